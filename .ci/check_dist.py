"""Check what `make dist` built: the wheel holds the package and only it, the sdist the sources.

Usage: python .ci/check_dist.py dist/

The wheel must contain every file of ``sklearn_backprop/`` in the checkout
(modules and package data alike: a data file missing from the wheel would pass
an editable-install CI and break for users) and nothing outside it but its
metadata; the sdist must carry the tests, examples, docs sources, benchmarks and
the license. Prints the wheel's contents and size.
"""

import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sklearn_backprop"
IGNORED = {"__pycache__", ".DS_Store"}


def package_files():
    files = set()
    for path in (ROOT / PACKAGE).rglob("*"):
        if path.is_file() and not IGNORED & set(path.parts) and path.suffix != ".pyc":
            files.add(path.relative_to(ROOT).as_posix())
    return files


def check_wheel(wheel):
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
    names = {info.filename for info in infos}
    problems = []
    missing = package_files() - names
    if missing:
        problems.append(f"missing from the wheel: {sorted(missing)}")
    stray = {n for n in names if not n.startswith((f"{PACKAGE}/", f"{PACKAGE}-"))}
    if stray:
        problems.append(f"outside the package in the wheel: {sorted(stray)}")
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        problems.append("the wheel has no LICENSE in its dist-info")
    print(f"{wheel.name}: {wheel.stat().st_size / 1024:.1f} KiB, {len(infos)} files")
    for info in sorted(infos, key=lambda i: i.filename):
        print(f"  {info.file_size:>8}  {info.filename}")
    return problems


def check_sdist(sdist):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    required = ["LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "Makefile"]
    required += [f"{d}/" for d in ("tests", "examples", "docs", "benchmarks", PACKAGE)]
    problems = [
        f"missing from the sdist: {entry}"
        for entry in required
        if not any(n == entry or n.startswith(entry) for n in names)
    ]
    if any("__pycache__" in n or n.endswith(".pyc") for n in names):
        problems.append("the sdist contains bytecode")
    print(f"{sdist.name}: {sdist.stat().st_size / 1024:.1f} KiB, {len(names)} entries")
    return problems


def main(dist):
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    problems = check_wheel(wheel) + check_sdist(sdist)
    for problem in problems:
        print("ERROR:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
