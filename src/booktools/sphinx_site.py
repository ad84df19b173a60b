"""Small Sphinx fixes for the published site (loaded from ``_config.yml``).

* MathJax (1 MB) is loaded only on pages with math of their own (Sphinx also loads it
  wherever a page's table of contents reaches a page with math).

* sphinx-thebe registers its inline configuration twice (its handler runs on every
  ``env-before-read-docs``), so every page declared ``const THEBE_JS_URL`` twice and
  the browser logged "Identifier 'THEBE_JS_URL' has already been declared". We drop
  repeated script entries on each page, keeping the first.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _key(script: Any) -> tuple:
    """Return what makes two scripts the same: file (or inline body) and attributes.

    The priority does not matter.
    """
    attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
    # an inline script comes once with filename None and once with "": the same script
    return (getattr(script, "filename", str(script)) or "", attributes)


def dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Drop repeated entries from a page's script list, keeping the first."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: extensions that run later append to this same list


def drop_unused_mathjax(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Load MathJax only on pages that have math of their own.

    Sphinx also loads it on every page whose table of contents *includes* a page with
    math, so the book's front page carried 1 MB of MathJax and no formula.
    """
    if app.env.get_domain("math").data["has_equations"].get(pagename):
        return
    scripts = context.get("script_files")
    path = app.config.mathjax_path
    if isinstance(scripts, list) and path:
        scripts[:] = [s for s in scripts if getattr(s, "filename", None) != path]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``html-page-context`` handlers with Sphinx."""
    # Early: ``html-page-context`` stops at the first handler that returns a value.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    # Late: after sphinx.ext.mathjax (default priority) has added its script.
    app.connect("html-page-context", drop_unused_mathjax, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
