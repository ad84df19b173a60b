"""Small Sphinx fixes for the published site (loaded from ``_config.yml``).

* sphinx-thebe registers its inline configuration twice (its handler runs on every
  ``env-before-read-docs``), so every page declared ``const THEBE_JS_URL`` twice and
  the browser logged "Identifier 'THEBE_JS_URL' has already been declared". We drop
  repeated script entries on each page, keeping the first.

* Scripts do not hold back the first paint: every script file of a page is loaded with
  ``defer`` (run in order once the page is parsed, before ``DOMContentLoaded``), except
  ``documentation_options.js``, which the page's inline scripts use at once. Measured
  with Lighthouse on a phone profile, the row of small synchronous scripts in the head
  delayed the first paint by about 0.16 s each (issue 31).

* The colour theme is known before the first paint. The PyData theme starts a first
  visit with ``data-theme="auto"``, which matches neither its light nor its dark rules,
  and resolves it to ``light`` or ``dark`` only once its script runs, after the page is
  parsed: the first paint lacked the theme's colours, and the switch restyled and laid
  out the whole page again (on a chapter page, a fifth of its main-thread time before it
  settles). :data:`RESOLVE_THEME`, inline in the head, resolves it at once, the way the
  theme's script does.

* A page's widgets load their manager (1 MB) only when one nears the screen, and their
  state is read after the text (:func:`lazy_widgets`).

* Figures after a page's first load lazily (``loading="lazy"``): a phone fetches only
  the ones the reader scrolls to. The first stays eager, as it is often on the first
  screen. Chromium loads every image before it prints, so the PDF keeps them all.
  Every figure carries its pixel width and height (:func:`size_figures`), so its space
  is held before it loads and the text does not jump as the reader scrolls.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx


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


#: Resolves the PyData theme's ``data-theme="auto"`` from the reader's colour scheme, as
#: the theme's own script later does (it then sets the same value, and nothing changes).
RESOLVE_THEME = (
    "(function (d) { if (d.dataset.theme === 'auto') d.dataset.theme = "
    "matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'; })"
    "(document.documentElement);"
)


#: The widget manager's scripts (``nb_ipywidgets_js`` in ``_config.yml``), in load order.
WIDGET_MANAGER = ("requirejs/require.js", "mlbook/widgets-config.js", "embed-amd.js")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def lazy_widgets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Load a widget page's manager when a widget nears the screen, its state after the text.

    The manager's scripts stay in the head as inert ``type="mlbook/lazy-widgets"``
    elements, which ``mlbook/widgets-lazy.js`` brings to life (see that file). The widget
    state (290 kB of JSON on the project page), which myst-nb writes into the head, moves
    to the end of the body: the browser no longer reads it before the first paint. The
    manager finds it anywhere in the document.
    """
    from sphinx.builders.html._assets import _JavaScript

    scripts = _page_scripts(context)
    names = [str(getattr(s, "filename", "") or "") for s in scripts]
    if not any(name.endswith(WIDGET_MANAGER) for name in names):
        return
    for i, (script, name) in enumerate(zip(scripts, names, strict=True)):
        if name.endswith(WIDGET_MANAGER):
            attributes = {
                k: v for k, v in getattr(script, "attributes", {}).items() if k != "defer"
            }
            attributes["type"] = "mlbook/lazy-widgets"
            scripts[i] = _JavaScript(name, priority=script.priority, **attributes)
    states = [s for s in scripts if getattr(s, "attributes", {}).get("type") == WIDGET_STATE]
    for state in states:
        scripts.remove(state)
        context["body"] += f'\n<script type="{WIDGET_STATE}">{state.attributes["body"]}</script>'
    scripts.append(_JavaScript("_static/mlbook/widgets-lazy.js", defer="defer"))


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


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r"""\ssrc=(["'])([^"']+)\1""")
#: The figures' folder in the built site (Sphinx copies every page's images there).
IMAGES = "_images"


def size_figure_tags(html: str, page: Path, site: Path) -> str:
    """Return *html* with ``width`` and ``height`` on each ``<img>`` of a raster figure.

    Only images in the site's ``_images`` folder without a size of their own: the theme's
    logos and icons are sized by its stylesheet.
    """
    from PIL import Image

    figures = (site / IMAGES).resolve()

    def size(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        if re.search(r"\s(?:width|height)=", tag) or not src:
            return tag
        path = (page.parent / src.group(2).split("?", 1)[0]).resolve()
        if path.parent != figures or not path.is_file():
            return tag
        try:
            with Image.open(path) as image:
                width, height = image.size
        except OSError:  # not a raster image (an SVG figure scales by itself)
            return tag
        return f'<img width="{width}" height="{height}" ' + tag[len("<img ") :]

    return _IMG.sub(size, html)


def size_figures(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: size every page's figures (:func:`size_figure_tags`).

    Done once the site is written: Sphinx copies the images at the end of the build.
    """
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    for page in site.rglob("*.html"):
        if "_static" in page.relative_to(site).parts:
            continue
        html = page.read_text("utf-8")
        sized = size_figure_tags(html, page, site)
        if sized != html:
            page.write_text(sized, "utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``html-page-context`` handlers with Sphinx."""
    # Early: ``html-page-context`` stops at the first handler that returns a value.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    app.add_js_file(None, body=RESOLVE_THEME, priority=1)  # first of the page's scripts
    # Late, after every extension has added its page's scripts (myst-nb's widget manager).
    app.connect("html-page-context", defer_scripts, priority=900)
    app.connect("html-page-context", lazy_widgets, priority=910)  # after defer_scripts
    app.connect("html-page-context", lazy_figures, priority=900)
    app.connect("build-finished", size_figures)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
