"""Smoke test of an installed wheel, run from outside the checkout by `make dist`.

It proves that what users would install works on its own: the package comes
from site-packages (not the source tree), every module imports (modules that
serve an extra may lack only that extra), the donut fits and predicts, and every
data file shipped inside the package can be read.
"""

import importlib
import importlib.resources
import pkgutil
import sys
from pathlib import Path

#: Distributions of the optional extras: a module of the package may need one
#: of them (lazily or for its own room); the core must not.
EXTRA_MODULES = {"dask", "distributed", "dask_ml", "skops", "matplotlib", "rich", "pandas"}
EXTRA_MODULES |= {"starlette", "uvicorn", "websockets", "sphinx"}


def main(checkout):
    import sklearn_backprop

    location = Path(sklearn_backprop.__file__).resolve()
    assert checkout not in location.parents, f"imported from the checkout: {location}"
    print(f"sklearn_backprop {sklearn_backprop.__version__} from {location.parent}")

    for module in pkgutil.walk_packages(sklearn_backprop.__path__, "sklearn_backprop."):
        if module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ModuleNotFoundError as error:
            if error.name.split(".")[0] not in EXTRA_MODULES:
                raise
            print(f"  {module.name}: needs the extra that provides {error.name}")

    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    from sklearn_backprop import ScratchLogisticRegression, ScratchMLPClassifier

    X, y = make_circles(n_samples=600, noise=0.1, factor=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    mlp = ScratchMLPClassifier((16,), solver="lbfgs", max_iter=500, random_state=0)
    mlp_accuracy = mlp.fit(X_train, y_train).score(X_test, y_test)
    logistic_accuracy = ScratchLogisticRegression().fit(X_train, y_train).score(X_test, y_test)
    print(f"donut test accuracy: MLP {mlp_accuracy:.3f}, logistic {logistic_accuracy:.3f}")
    assert mlp_accuracy > 0.9 > 0.7 > logistic_accuracy

    n_data = 0
    for path in _files(importlib.resources.files("sklearn_backprop")):
        if path.name.endswith((".py", ".pyc")):
            continue
        path.read_bytes()
        n_data += 1
    print(f"package data files read: {n_data}")

    # The playground's page ships inside the package: read it as the server does.
    static = importlib.resources.files("sklearn_backprop.playground") / "static"
    for name in ("index.html", "app.js", "style.css"):
        text = (static / name).read_text(encoding="utf-8")
        assert text.strip(), f"playground asset {name} is empty"
    assert "/static/app.js" in (static / "index.html").read_text(encoding="utf-8")
    print("playground assets read: index.html, app.js, style.css")


def _files(traversable):
    for child in traversable.iterdir():
        if child.is_dir():
            if child.name != "__pycache__":
                yield from _files(child)
        else:
            yield child


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
