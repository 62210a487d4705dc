"""Sphinx configuration: numpydoc API pages, the examples as a sphinx-gallery, pydata theme.

Built by ``make docs`` with ``-W``: every warning is an error, so the docs cannot rot.
"""

import os
import shutil
import sys
from pathlib import Path

import sklearn_backprop

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # for gallery_figures, the image scraper

# The examples write their figures (fig.savefig) to this directory, and the scraper
# hands each new file to sphinx-gallery; emptied at every build so only this run's count.
FIGURES = DOCS / "_build" / "example-figures"
shutil.rmtree(FIGURES, ignore_errors=True)
FIGURES.mkdir(parents=True)
os.environ["SKLEARN_BACKPROP_EXAMPLES_OUTPUT"] = str(FIGURES)

project = "sklearn_backprop"
author = "the sklearn_backprop developers"
copyright = "the sklearn_backprop developers, BSD-3-Clause"
version = release = sklearn_backprop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "images", "*.md", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "py:obj"

# ---- API reference ----------------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document our own members, not those inherited from scikit-learn's base classes.

    Those (get_params, set_output, set_fit_request, ...) are scikit-learn's, and their
    docstrings link into scikit-learn's user guide, which this site does not have.
    """
    if what != "class":
        return None
    function = getattr(obj, "fget", obj)  # properties: the getter's module
    module = getattr(function, "__module__", None) or ""
    if not module.startswith("sklearn_backprop"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# ---- gallery ----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "image_scrapers": ("gallery_figures.scrape",),
    "reset_modules": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
}

# ---- HTML -------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "sklearn_backprop"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
