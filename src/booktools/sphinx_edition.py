"""Sphinx extension: write every executed page's notebook edition, point the buttons at it.

At the end of every build, for each page with an executed notebook,
:mod:`booktools.edition` turns the page's resolved doctree and its executed notebook into
the notebook edition, written where the theme's ``.ipynb`` download button points
(``_sources/<page>.ipynb``, replacing the theme's copy of the bare executed notebook).
The launch buttons open the same file from the repository's *notebooks* branch
(``mlbook_notebooks_branch``), where the publish workflow commits the editions beside the
sources (:mod:`booktools.notebooks_branch`): Binder (JupyterLab) and an added **Colab**
button.

Configuration (``sphinx: config:`` in ``_config.yml``):

* ``mlbook_notebooks_branch`` -- the branch that holds the editions (``notebooks``);
* ``html_baseurl`` -- the published site, for links to other pages; by default the
  GitHub Pages address of ``repository.url`` (``https://<org>.github.io/<repo>/``).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from booktools import edition

logger = logging.getLogger(__name__)

COLAB = "https://colab.research.google.com"


def repository(app: Sphinx) -> tuple[str, str, str]:
    """Return the repository's URL, organisation and name (from ``repository.url``)."""
    url = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    parts = url.removesuffix(".git").split("/")
    if not url.startswith("https://github.com/") or len(parts) < 5:
        raise edition.EditionError(
            f"repository.url in _config.yml must be a GitHub repository, not {url!r}: the "
            "notebook edition is installed from it and opened from its notebooks branch"
        )
    return url, parts[3], parts[4]


def site_url(app: Sphinx) -> str:
    """Return the published site's address, ending in ``/``."""
    if app.config.html_baseurl:
        return app.config.html_baseurl.rstrip("/") + "/"
    _, org, repo = repository(app)
    return f"https://{org}.github.io/{repo}/"


def commit(root: Path) -> str:
    """Return the commit being built (the install cell pins ``mlbook`` to it)."""
    proc = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise edition.EditionError(
            f"{root} is not a git checkout: the notebook edition pins mlbook to the commit "
            "that built it (build from a clone of the repository)"
        )
    return proc.stdout.strip()


def image_path(app: Sphinx, docname: str):
    """Return the function that finds a doctree image URI's file."""
    # A URI the HTML builder pointed at _images/ (copied there only at the end of the build).
    copied = {name: src for src, name in getattr(app.builder, "images", {}).items()}

    def find(uri: str) -> Path:
        name = uri.rsplit("/", 1)[-1]
        if name in copied:
            return Path(app.srcdir) / copied[name]
        for base in (Path(app.srcdir), Path(app.srcdir) / Path(docname).parent):
            if (base / uri).exists():
                return (base / uri).resolve()
        return Path(app.srcdir) / uri

    return find


def executed_notebook(app: Sphinx, docname: str) -> dict | None:
    """Return myst-nb's executed notebook of *docname*, or None for a page not executed."""
    path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if not path.exists():
        return None
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb if "kernelspec" in nb.get("metadata", {}) else None


def write_edition(app: Sphinx, docname: str, doctree: nodes.document, executed: dict) -> Path:
    """Write the notebook edition of *docname* where the download button points."""
    ctx = edition.Context(
        docname=docname,
        site_url=site_url(app),
        image_path=image_path(app, docname),
        fignumbers=app.env.toc_fignumbers.get(docname, {}),
        numfig_format={
            **app.config.numfig_format,
            # equations as the site numbers them (Sphinx's math_numfig: the bare number)
            **({"displaymath": "%s"} if app.config.math_numfig and app.config.numfig else {}),
        },
    )
    repo_url, _, _ = repository(app)
    install = edition.install_source(
        repo_url, app.config.mlbook_commit, (Path(app.srcdir) / "requirements.txt").read_text()
    )
    title = next(iter(doctree.findall(nodes.title))).astext()
    book = app.config.html_title or app.config.project
    notebook = edition.notebook(doctree, executed, ctx, title=title, book=book, install=install)
    out = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def write_all_editions(app: Sphinx, exception: Exception | None) -> None:
    """Write the edition of every executed page (not only the pages rendered again).

    The editions depend on the building commit and on this generator, which do not make
    Sphinx render a page again; resolving a page's doctree costs a fraction of a second.
    """
    if exception is not None or app.builder.format != "html":
        return
    written, t0 = 0, time.perf_counter()
    for docname in sorted(app.env.found_docs):
        executed = executed_notebook(app, docname)
        if executed is None:
            continue
        doctree = app.env.get_and_resolve_doctree(docname, app.builder)
        write_edition(app, docname, doctree, executed)
        written += 1
    seconds = time.perf_counter() - t0
    logger.info(f"notebook edition: {written} notebooks in _sources/ in {seconds:.1f} s")


def page_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Offer the page's edition as the .ipynb download; point Binder and Colab at it."""
    if doctree is None or executed_notebook(app, pagename) is None:
        return
    _, org, repo = repository(app)
    context["ipynb_source"] = f"{pagename}.ipynb"
    point_buttons(app, pagename, context, org, repo)


def launch_urls(app: Sphinx, pagename: str, org: str, repo: str) -> dict[str, str]:
    """Return the Binder and Colab URLs of a page's edition on the notebooks branch."""
    branch = app.config.mlbook_notebooks_branch
    path = f"{pagename}.ipynb"
    buttons = app.config.html_theme_options.get("launch_buttons", {})
    binderhub = buttons.get("binderhub_url", "https://mybinder.org").rstrip("/")
    ui = "lab/tree" if buttons.get("notebook_interface") == "jupyterlab" else "tree"
    return {
        "Binder": f"{binderhub}/v2/gh/{org}/{repo}/{branch}?urlpath={ui}/{path}",
        "Colab": f"{COLAB}/github/{org}/{repo}/blob/{branch}/{path}",
    }


def point_buttons(app: Sphinx, pagename: str, context: dict, org: str, repo: str) -> None:
    """Point the theme's Binder button at the edition and add a Colab button beside it."""
    urls = launch_urls(app, pagename, org, repo)
    group = next(
        (b for b in context.get("header_buttons", []) if b.get("label") == "launch-buttons"),
        None,
    )
    if group is None:
        return
    for button in group["buttons"]:
        if button.get("text") == "Binder":
            button["url"] = urls["Binder"]
    if not any(b.get("text") == "Colab" for b in group["buttons"]):
        group["buttons"].append(
            {
                "type": "link",
                "text": "Colab",
                "tooltip": "Open in Colab",
                "icon": "_static/images/logo_colab.png",
                "url": urls["Colab"],
            }
        )


def builder_inited(app: Sphinx) -> None:
    """Pin the edition's install cell to the commit being built."""
    if not app.config.mlbook_commit:
        app.config.mlbook_commit = commit(Path(app.srcdir))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the configuration values and handlers."""
    app.add_config_value("mlbook_notebooks_branch", "notebooks", "html")
    app.add_config_value("mlbook_commit", "", "html")  # default: git rev-parse HEAD
    app.connect("builder-inited", builder_inited)
    # After the theme's launch and download buttons (priority 501).
    app.connect("html-page-context", page_buttons, priority=900)
    app.connect("build-finished", write_all_editions)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
