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

* Figures load lazily (``loading="lazy"``): a phone fetches only the ones the reader
  scrolls to. A page's first figure stays eager when it is on the first screen (at most
  :data:`FIRST_SCREEN_CHARS` of text before it), where lazy loading would delay it; further
  down, an eager figure only competes with the text for a slow network (Image
  Classification's 97 kB photograph, 3 700 characters down, put 0.6 s on Lighthouse's
  largest paint). Chromium loads every image before it prints, so the PDF keeps them all.
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


#: The figures' folder in the built site (Sphinx copies every page's images there).
IMAGES = "_images"
#: The widget manager's scripts (``nb_ipywidgets_js`` in ``_config.yml``), in load order.
WIDGET_MANAGER = ("requirejs/require.js", "mlbook/widgets-config.js", "embed-amd.js")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Where a page's widget state goes (a script, named by its hash, so a browser's cached
#: copy is never stale): a script rather than JSON to fetch, so it also loads from file://.
STATE_DIR = "_static/mlbook/state"
#: The script that announces each frames player's numbers and keeps its position in the
#: page's address (mlbook.explorable).
FRAMES_JS = "_static/mlbook/frames.js"


def state_script(states: list[str]) -> str:
    """Return a script that puts each widget state (JSON text) into the page.

    As ``<script type="application/vnd.jupyter.widget-state+json">`` elements at the end
    of the body, where the widget manager, which runs after it, looks for them. Each
    state passes through ``window.mlbookFramesState`` first, if the page defines it
    (``mlbook/frames.js``: the position the page's address names).
    """
    import json

    literals = ",\n".join(json.dumps(text) for text in states)  # ASCII: U+2028 escaped
    return (
        "// Widget state of one page, written by booktools.sphinx_site.lazy_widgets.\n"
        "(function () {\n"
        "  var adjust = window.mlbookFramesState || function (text) { return text; };\n"
        f"  [{literals}].forEach(function (text) {{\n"
        '    var s = document.createElement("script");\n'
        f'    s.type = "{WIDGET_STATE}";\n'
        "    s.textContent = adjust(text);\n"
        "    document.body.appendChild(s);\n"
        "  });\n"
        "})();\n"
    )


def _frames_first_image(state: dict, model_id: str) -> tuple[str, str] | None:
    """Return the ``<img>`` tag a frames player shows first and its name, or None."""
    models = state.get("state", {})

    def get(ref: str) -> dict:
        return models.get(ref.removeprefix("IPY_MODEL_"), {}).get("state", {})

    root = get(model_id)
    classes = root.get("_dom_classes", [])
    names = [c.removeprefix("mlbook-frames-name-") for c in classes if "-name-" in c]
    if "mlbook-frames" not in classes or not names:
        return None
    for ref in root.get("children", []):
        child = get(ref)
        if "mlbook-frames-figure" in child.get("_dom_classes", []):
            shown = get(child["children"][child.get("selected_index") or 0])
            match = re.search(r"<img\b[^>]*>", shown.get("value", ""))
            return (match.group(0), names[0]) if match else None
    return None


def hold_frames(body: str, states: list[str], outdir: Path, pagename: str) -> str:
    """Put each frames player's first frame in its place, as an image file.

    The widget manager removes an ``<img class="jupyter-widget">`` that stands right
    before a widget's view when it draws the widget, so the image holds the player's
    space until then, and is what a reader without JavaScript sees (with its alt text).
    """
    import base64
    import hashlib
    import json

    parsed = [json.loads(text) for text in states]
    root = "../" * pagename.count("/")

    def hold(match: re.Match) -> str:
        model_id = json.loads(match.group(1)).get("model_id", "")
        found = next(filter(None, (_frames_first_image(s, model_id) for s in parsed)), None)
        if found is None:
            return match.group(0)
        tag, name = found
        data = re.search(r'src="data:image/png;base64,([^"]+)"', tag)
        if not data:
            return match.group(0)
        png = base64.b64decode(data.group(1))
        file = f"frames-{hashlib.sha256(png).hexdigest()[:16]}.png"
        (outdir / IMAGES).mkdir(parents=True, exist_ok=True)
        (outdir / IMAGES / file).write_bytes(png)
        rest = tag[len("<img ") :].replace(data.group(0), f'src="{root}{IMAGES}/{file}"')
        placeholder = (
            f'<img class="jupyter-widget mlbook-frames-hold" data-name="{name}" '
            f'loading="lazy" {rest}'
        )
        return placeholder + match.group(0)

    return re.sub(rf'<script type="{re.escape(WIDGET_VIEW)}">(\{{[^<]*\}})</script>', hold, body)


def lazy_widgets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Load a widget page's manager and state when a widget nears the screen.

    The manager's scripts stay in the head as inert ``type="mlbook/lazy-widgets"``
    elements, which ``mlbook/widgets-lazy.js`` brings to life (see that file). The widget
    state (290 kB of JSON on the project page, the frames of every explorable figure),
    which myst-nb writes into the head, moves to a script of its own in
    :data:`STATE_DIR` (:func:`state_script`), inert too and brought to life first: the
    page's HTML carries only the text. Each frames player's first frame holds its place
    (:func:`hold_frames`), and ``mlbook/frames.js`` comes with the manager.
    """
    import hashlib

    from sphinx.builders.html._assets import _JavaScript

    scripts = _page_scripts(context)
    names = [str(getattr(s, "filename", "") or "") for s in scripts]
    if not any(name.endswith(WIDGET_MANAGER) for name in names):
        return
    first = None
    for i, (script, name) in enumerate(zip(scripts, names, strict=True)):
        if name.endswith(WIDGET_MANAGER):
            attributes = {
                k: v for k, v in getattr(script, "attributes", {}).items() if k != "defer"
            }
            attributes["type"] = "mlbook/lazy-widgets"
            scripts[i] = _JavaScript(name, priority=script.priority, **attributes)
            first = scripts[i] if first is None else first
    states = [s for s in scripts if getattr(s, "attributes", {}).get("type") == WIDGET_STATE]
    if states:
        texts = [state.attributes["body"] for state in states]
        for state in states:
            scripts.remove(state)
        code = state_script(texts)
        digest = hashlib.sha256(code.encode()).hexdigest()[:16]
        name = f"{STATE_DIR}/{pagename.replace('/', '-')}-{digest}.js"
        outdir = Path(app.outdir)
        (outdir / name).parent.mkdir(parents=True, exist_ok=True)
        (outdir / name).write_text(code, "utf-8")
        scripts.insert(
            scripts.index(first),
            _JavaScript(name, priority=first.priority, type="mlbook/lazy-widgets"),
        )
        context["body"] = hold_frames(context.get("body", ""), texts, outdir, pagename)
    scripts.append(_JavaScript("_static/mlbook/widgets-lazy.js", defer="defer"))
    scripts.append(_JavaScript(FRAMES_JS, defer="defer"))


#: Characters of text a phone's first screen shows, about: a first figure with more text
#: before it is below that screen, and loads lazily like the rest (:func:`lazy_figures`).
FIRST_SCREEN_CHARS = 1000


def lazy_figures(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Mark a page's images ``loading="lazy"``, but a first one on the first screen.

    Done on the HTML: myst-nb puts a page's figures (glued outputs) in place only as
    it writes the page.
    """
    body = context.get("body")
    first = re.search(r"<img\s", body) if isinstance(body, str) else None
    if first:
        before = " ".join(re.sub(r"<[^>]*>", " ", body[: first.start()]).split())
        eager = first.end() if len(before) <= FIRST_SCREEN_CHARS else first.start()
        rest = re.sub(r"<img\s(?![^>]*\bloading=)", '<img loading="lazy" ', body[eager:])
        context["body"] = body[:eager] + rest


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r"""\ssrc=(["'])([^"']+)\1""")


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


def prune_widget_files(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: delete widget states and first frames no page uses any more.

    Both are named by their hash (:func:`lazy_widgets`), so each rebuild of a page with
    new results leaves its old ones behind.
    """
    if exception is not None or app.builder.format != "html":
        return
    site = Path(app.outdir)
    used = set()
    for page in site.rglob("*.html"):
        if "_static" not in page.relative_to(site).parts:
            text = page.read_text("utf-8")
            used.update(re.findall(r"(?:mlbook/state/|_images/)([\w.-]+\.(?:js|png))", text))
    candidates = [*(site / STATE_DIR).glob("*.js"), *(site / IMAGES).glob("frames-*.png")]
    for path in candidates:
        if path.name not in used:
            path.unlink()


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
    app.connect("build-finished", prune_widget_files)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
