"""Sphinx configuration of the cyresample documentation.

Build: ``tools/build_docs.sh`` (installs ``docs/requirements.txt``, then
``sphinx-build -W -b html docs docs/_build/html``). Markdown pages go through
myst-parser; the API reference is generated from the numpydoc docstrings.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# document the package of this source tree when it is built in place
# (python setup.py build_ext --inplace, pip install -e .); otherwise the installed one
if os.path.exists(os.path.join(ROOT, "cyresample", "__init__.py")):
    sys.path.insert(0, ROOT)

import importlib.util  # noqa: E402

import cyresample  # noqa: E402

# optional dependencies of documented modules (cyresample.dask): mocked when absent
autodoc_mock_imports = [name for name in ("dask", "distributed", "cupy")
                        if importlib.util.find_spec(name) is None]

project = "cyresample"
author = "the cyresample developers"
copyright = "the cyresample developers"
version = release = cyresample.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "requirements.txt"]
templates_path = []

# -- markdown -------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- API reference ----------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # the numpydoc "Parameters" sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
default_role = "obj"

# offline builds: intersphinx inventories are optional (no network: links stay plain text)
intersphinx_mapping = {}
if os.environ.get("CYRESAMPLE_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
    }

# -- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "cyresample %s" % release
html_static_path = []
html_show_sourcelink = False
