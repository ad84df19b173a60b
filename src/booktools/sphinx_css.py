"""One small stylesheet per page instead of a dozen large ones (loaded from ``_config.yml``).

A page of the themes links eleven stylesheets in its head (the Sphinx basics, Bootstrap
and the PyData theme, the book theme, Pygments, myst-nb, sphinx-design, copy and toggle
buttons, exercises, the book's own), 540 kB in all, and a browser paints nothing until it
has every one. Measured with Lighthouse on a phone profile (issue 31), they held back the
first paint by about a second. Once the site is written (``build-finished``), for each
set of stylesheets that pages share:

* the files are joined, in the page's order, into one ``_static/site-<hash>.css``
  (``@import`` inlined, relative ``url()`` rewritten for the new place);
* PurgeCSS (Node.js, pinned in ``package.json``; ``purge_css.cjs``) drops the rules whose
  classes, ids and tags appear in no page and no script of the site;
* the icon fonts it declares are cut down to the icons it can draw
  (:mod:`booktools.icon_fonts`: Font Awesome's solid font, 156 kB, becomes about 4 kB);
* each page links that one file where the first of them was.

A stylesheet with a ``media`` attribute (the icons', loaded after the first paint) is left
alone, as is any stylesheet from another host.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from booktools.icon_fonts import CSS_URL, subset_icon_fonts
from booktools.node import HOW_TO_INSTALL, node_program

logger = logging.getLogger(__name__)

#: The Node.js program that purges one stylesheet (beside this module).
SCRIPT = Path(__file__).with_name("purge_css.cjs")

_LINK = re.compile(r"<link\b[^>]*>")
_IMPORT = re.compile(r"""@import\s+(?:url\()?["']?([^"')\s;]+)["']?\)?\s*;""")


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf"""\b{name}\s*=\s*(["'])(.*?)\1""", tag)
    return found.group(2) if found else None


def blocking_stylesheets(html: str, page: Path, site: Path) -> list[tuple[str, Path]]:
    """Return the head's render-blocking local stylesheets: (link tag, file), in order."""
    head = html.split("</head>", 1)[0]
    found = []
    for tag in _LINK.findall(head):
        href = _attr(tag, "href")
        if _attr(tag, "rel") != "stylesheet" or _attr(tag, "media") or not href:
            continue
        if re.match(r"^[a-z]+:|^/", href):  # another host, or the server's root
            continue
        path = (page.parent / href.split("?", 1)[0]).resolve()
        if path.is_file() and path.is_relative_to(site.resolve() / "_static"):
            found.append((tag, path))
    return found


def joined_css(files: list[Path], target_dir: Path) -> str:
    """Return the files' CSS joined, imports inlined and relative URLs valid from *target_dir*."""

    def text(path: Path, seen: frozenset[Path]) -> str:
        css = path.read_text(encoding="utf-8")

        def rebase(match: re.Match) -> str:
            quote, url = match.groups()
            if re.match(r"^(?:[a-z]+:|/|#)", url):  # data:, another host, the root, a fragment
                return match.group(0)
            moved = posixpath.relpath(
                (path.parent / url).resolve().as_posix(), target_dir.as_posix()
            )
            return f"url({quote}{moved}{quote})"

        def inline(match: re.Match) -> str:
            imported = (path.parent / match.group(1)).resolve()
            if imported in seen or not imported.is_file():
                raise ExtensionError(f"{path}: cannot inline @import {match.group(1)}")
            return text(imported, seen | {imported})

        return CSS_URL.sub(rebase, _IMPORT.sub(inline, css))

    return "\n".join(f"/* {f.name} */\n" + text(f, frozenset({f})) for f in files)


def purge(site: Path, sheet: Path) -> dict:
    """Run PurgeCSS on *sheet* against every page and script of *site*; its sizes."""
    node = node_program()
    if node is None:
        raise ExtensionError(f"`node` was not found. {HOW_TO_INSTALL}")
    proc = subprocess.run(
        [node, str(SCRIPT), str(site), str(sheet)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ExtensionError(
            f"PurgeCSS failed on {sheet.name}:\n{proc.stderr[-1500:]}\n{HOW_TO_INSTALL}"
        )
    return json.loads(proc.stdout)


def bundle_site(site: Path) -> list[dict]:
    """Give every page of *site* one purged stylesheet; one report per bundle written."""
    static = site / "_static"
    # each page's text and blocking links, read once; grouped by the files they link
    groups: dict[tuple[Path, ...], list[tuple[Path, str, list]]] = defaultdict(list)
    pages = [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]
    for page in pages:
        html = page.read_text("utf-8")
        links = blocking_stylesheets(html, page, site)
        if len(links) > 1:
            groups[tuple(path for _, path in links)].append((page, html, links))
    reports = []
    for files, members in groups.items():
        draft = static / "site-draft.css"
        draft.write_text(joined_css(list(files), static), encoding="utf-8")
        sizes = purge(site, draft)
        css, fonts = subset_icon_fonts(draft.read_text("utf-8"), static, static / "fonts")
        draft.write_text(css, encoding="utf-8")
        digest = hashlib.sha256(draft.read_bytes()).hexdigest()[:12]
        bundle = draft.rename(static / f"site-{digest}.css")
        for page, html, links in members:
            href = posixpath.relpath(bundle.as_posix(), page.parent.as_posix())
            first = True
            for tag, _ in links:
                new = f'<link rel="stylesheet" type="text/css" href="{href}" />' if first else ""
                html = html.replace(tag, new, 1)
                first = False
            page.write_text(html, encoding="utf-8")
        reports.append(
            {
                "bundle": bundle.name,
                "pages": len(members),
                "files": len(files),
                **sizes,
                "fonts": fonts,
            }
        )
    return reports


def bundle_stylesheets(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: bundle and purge the written site's stylesheets."""
    if exception is not None or app.builder.format != "html":
        return
    for report in bundle_site(Path(app.outdir)):
        logger.info(
            "stylesheets: %(files)d files -> %(bundle)s (%(before)d -> %(after)d bytes, "
            "%(pages)d pages)",
            report,
        )
        for font in report["fonts"]:
            logger.info(
                "icon font: %(font)s (%(before)d bytes) -> %(subset)s (%(after)d bytes, "
                "%(glyphs)d icons)",
                font,
            )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``build-finished`` handler with Sphinx."""
    # Last: the PyData theme writes its light and dark pygments.css at build-finished too.
    app.connect("build-finished", bundle_stylesheets, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
