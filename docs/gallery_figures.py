"""A sphinx-gallery image scraper for examples that save their figures to files.

Each example saves its figure with ``fig.savefig`` into the directory named by
``SKLEARN_BACKPROP_EXAMPLES_OUTPUT`` (set by ``conf.py``) and closes it, so the
usual matplotlib scraper (which collects open figures) would find nothing.
This one collects, after each code block, the PNG files written since the
previous block, in the order they were written.
"""

import os
import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

_seen = {}  # path -> modification time already handed to the gallery


def scrape(block, block_vars, gallery_conf):
    """Copy the new figures to sphinx-gallery's image paths; return their reST."""
    directory = Path(os.environ["SKLEARN_BACKPROP_EXAMPLES_OUTPUT"])
    written = sorted(directory.glob("*.png"), key=lambda path: path.stat().st_mtime_ns)
    new = [path for path in written if _seen.get(path) != path.stat().st_mtime_ns]
    image_paths = []
    for path, image_path in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(path, image_path)
        _seen[path] = path.stat().st_mtime_ns
        image_paths.append(image_path)
    return figure_rst(image_paths, gallery_conf["src_dir"])
