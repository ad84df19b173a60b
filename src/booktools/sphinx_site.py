"""Small Sphinx fixes for the published site (loaded from ``_config.yml``).

* MathJax (1 MB) is loaded only on pages with math of their own (Sphinx also loads it
  wherever a page's table of contents reaches a page with math).

* sphinx-thebe registers its inline configuration twice (its handler runs on every
  ``env-before-read-docs``), so every page declared ``const THEBE_JS_URL`` twice and
  the browser logged "Identifier 'THEBE_JS_URL' has already been declared". We drop
  repeated script entries on each page, keeping the first.

* Scripts do not hold back the first paint: every script file of a page is loaded with
  ``defer`` (run in order once the page is parsed, before ``DOMContentLoaded``), except
  ``documentation_options.js``, which the page's inline scripts use at once. Measured
  with Lighthouse on a phone profile, the row of small synchronous scripts in the head
  delayed the first paint by about 0.16 s each (issue 31).

* Figures after a page's first load lazily (``loading="lazy"``): a phone fetches only
  the ones the reader scrolls to. The first stays eager, as it is often on the first
  screen. Chromium loads every image before it prints, so the PDF keeps them all.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.domains.math import MathDomain


def _key(script: Any) -> tuple:
    """Return what makes two scripts the same: file (or inline body) and attributes.

    The priority does not matter.
    """
    attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
    # an inline script comes once with filename None and once with "": the same script
    return (getattr(script, "filename", str(script)) or "", attributes)


def _page_scripts(context: dict) -> list:
    """Return the page's script list to change in place (empty if it is not a list).

    In place: extensions that run later append to this same list.
    """
    scripts = context.get("script_files")
    return scripts if isinstance(scripts, list) else []


def dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Drop repeated entries from a page's script list, keeping the first."""
    scripts = _page_scripts(context)
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


#: Script files that must run where they stand: inline scripts after them use them.
KEEP_BLOCKING = ("documentation_options.js",)


def defer_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Load the page's script files with ``defer`` (see the module's docstring)."""
    from sphinx.builders.html._assets import _JavaScript

    scripts = _page_scripts(context)
    for i, script in enumerate(scripts):
        name = str(getattr(script, "filename", "") or "")
        attributes = dict(getattr(script, "attributes", {}))
        if (
            not name
            or "async" in attributes
            or "defer" in attributes
            or name.endswith(KEEP_BLOCKING)
            or attributes.get("type", "text/javascript") != "text/javascript"
        ):
            continue
        priority = getattr(script, "priority", 500)
        scripts[i] = _JavaScript(name, priority=priority, **attributes, defer="defer")


def lazy_figures(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Mark every image of a page's body but the first ``loading="lazy"``.

    Done on the HTML: myst-nb puts a page's figures (glued outputs) in place only as
    it writes the page.
    """
    body = context.get("body")
    first = re.search(r"<img\s", body) if isinstance(body, str) else None
    if first:
        rest = re.sub(r"<img\s(?![^>]*\bloading=)", '<img loading="lazy" ', body[first.end() :])
        context["body"] = body[: first.end()] + rest


class PageMathDomain(MathDomain):
    """Sphinx's math domain, but a page "has equations" only if it has math of its own.

    Sphinx also counts every page its table of contents reaches, so the book's front page
    loaded 1 MB of MathJax and showed no formula.
    """

    def has_equations(self, docname: str | None = None) -> bool:
        """Whether *docname* (or, with no name, any page) has math."""
        if not docname:
            return super().has_equations()
        return bool(self.data["has_equations"].get(docname, False))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``html-page-context`` handlers with Sphinx."""
    # Early: ``html-page-context`` stops at the first handler that returns a value.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    # Late, after every extension has added its page's scripts (myst-nb's widget manager).
    app.connect("html-page-context", defer_scripts, priority=900)
    app.connect("html-page-context", lazy_figures, priority=900)
    app.add_domain(PageMathDomain, override=True)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
