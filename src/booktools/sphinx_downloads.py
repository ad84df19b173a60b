"""Sphinx extension: the ``.ipynb`` a reader downloads carries the page's outputs.

myst-nb writes each page's notebook to ``jupyter_execute/`` (which the book theme offers
as the ``.ipynb`` download) *before* merging the cached outputs into it, so the download
had none. After a page is read, this puts the outputs of its cached execution into that
file (jupyter-cache's own merge, matched by the page's key), and drops the build's cache
key from the notebook's metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from booktools.inputs import METADATA_KEY

logger = logging.getLogger(__name__)


def cache_folder(app: Sphinx) -> Path:
    """Return the execution cache of this build (kept beside the HTML output)."""
    configured = getattr(app.config, "nb_execution_cache_path", "")
    return Path(configured or Path(app.outdir).parent / ".jupyter_cache")


def add_outputs(app: Sphinx, doctree: nodes.document) -> None:
    """Merge the cached outputs into the page's downloadable notebook."""
    import nbformat
    from jupyter_cache import get_cache

    docname = app.env.docname
    path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    folder = cache_folder(app)
    if not path.exists() or not folder.exists():
        return
    nb = nbformat.read(str(path), as_version=4)
    if METADATA_KEY not in nb.metadata.get("kernelspec", {}):
        return  # not an executed page of this book
    try:
        _, merged = get_cache(folder).merge_match_into_notebook(nb)
    except KeyError:
        logger.warning(f"{docname}: no cached execution to put into its .ipynb download")
        return
    merged.metadata["kernelspec"].pop(METADATA_KEY, None)
    nbformat.write(merged, str(path))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handler."""
    app.connect("doctree-read", add_outputs)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
