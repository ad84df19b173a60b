r"""Math typeset at build time: SVG drawn by MathJax 3 in Node.js, no MathJax in the page.

Sphinx's own renderer (``sphinx.ext.mathjax``) leaves ``\\(x\\)`` in the HTML and loads
MathJax (1 MB) to typeset it in the reader's browser. Measured with Lighthouse on a phone
profile (issue 31), that cost a chapter its largest paint, which waited about 6 s for
the first formulas, and about 0.5 s of blocked main thread. This renderer
(``html_math_renderer: mathjax_svg``, registered the way ``sphinx.ext.imgmath`` is) asks
the same MathJax version, run by Node.js from ``package.json`` (``mathjax-full``), for
each formula's SVG while the page is written:

* the formulas are in the first paint, in the text's colour (light and dark themes);
* each glyph is drawn once per page (MathJax's global font cache), not once per formula;
* a screen reader gets MathJax's MathML beside each SVG (its assistive-MathML output);
* a TeX error (an unknown macro, a missing brace) is a Sphinx warning, so the build fails
  (never a red formula on the published page);
* Chromium prints the same SVG into the PDF.

The TeX of a numbered or multi-line display is assembled as ``sphinx.ext.mathjax`` does.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from booktools.node import HOW_TO_INSTALL, node_program

logger = logging.getLogger(__name__)

#: The Node.js program that answers one JSON request per line (beside this module).
SCRIPT = Path(__file__).with_name("mathjax_svg.cjs")


class Typesetter:
    """One Node.js process running :data:`SCRIPT`: TeX in, SVG out."""

    def __init__(self, node: str | None = None) -> None:
        """Start the process; raise :class:`~sphinx.errors.ExtensionError` if it cannot run."""
        node = node or node_program()
        if node is None:
            raise ExtensionError(f"`node` was not found. {HOW_TO_INSTALL}")
        self.proc = subprocess.Popen(
            [node, str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.pid = os.getpid()
        self._css: str | None = None

    def _ask(self, request: dict) -> dict:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise ExtensionError(f"MathJax in Node.js stopped:\n{err[-1500:]}\n{HOW_TO_INSTALL}")
        return json.loads(line)

    def svg(self, tex: str, display: bool) -> tuple[str, str | None]:
        """Return the formula's HTML (an ``mjx-container`` with its SVG) and any TeX error."""
        reply = self._ask({"tex": tex, "display": display})
        return reply["html"] or "", reply["error"]

    def glyphs(self) -> str:
        """Return the hidden SVG of the glyphs drawn since the last call ("" if none)."""
        return self._ask({"glyphs": True})["html"]

    def css(self) -> str:
        """Return MathJax's stylesheet for its SVG output (display, assistive MathML)."""
        if self._css is None:
            self._css = self._ask({"css": True})["css"]
        return self._css

    def close(self) -> None:
        """End the process."""
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=30)


_typesetter: Typesetter | None = None


def typesetter() -> Typesetter:
    """Return this process's typesetter, started on first use (a forked writer gets its own)."""
    global _typesetter
    if _typesetter is None or _typesetter.pid != os.getpid() or _typesetter.proc.poll() is not None:
        _typesetter = Typesetter()
    return _typesetter


def _typeset(node: nodes.Element, tex: str, display: bool) -> str:
    html, error = typesetter().svg(tex, display)
    if error:
        logger.warning(
            "TeX error in %r: %s", tex.strip()[:120], error, location=node, type="mathjax_svg"
        )
    return html


def display_tex(node: nodes.math_block) -> str:
    r"""Return the TeX of a display as ``sphinx.ext.mathjax`` writes it between ``\\[ \\]``.

    Paragraphs become aligned lines, and a part with ``\\\\`` a ``split``.
    """
    if node["nowrap"]:
        return node.astext()
    parts = [p for p in node.astext().split("\n\n") if p.strip()]
    body = r"\\".join(r"\begin{split}" + p + r"\end{split}" if r"\\" in p else p for p in parts)
    if len(parts) > 1:
        return r"\begin{align}\begin{aligned}" + body + r"\end{aligned}\end{align}"
    return body


def html_visit_math(self: Any, node: nodes.math) -> None:
    """Write an inline formula as its SVG."""
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_typeset(node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def html_visit_displaymath(self: Any, node: nodes.math_block) -> None:
    """Write a display formula as its SVG, with its number and link as Sphinx writes them."""
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"] and not node["nowrap"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_typeset(node, display_tex(node), display=True) + "</div>\n")
    raise nodes.SkipNode


def add_page_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Give a page with formulas the glyphs they draw and MathJax's small SVG stylesheet.

    The glyphs (MathJax's hidden ``MJX-SVG-global-cache``) open the page's body, so each is
    parsed before the first formula that uses it. The stylesheet is inline in the head, not
    a file: one more stylesheet request would hold back a phone's first paint.
    """
    ts = _typesetter if _typesetter is not None and _typesetter.pid == os.getpid() else None
    if ts is None:  # no formula typeset in this process yet
        return
    glyphs = ts.glyphs()  # also empties the cache for the next page
    body = context.get("body")
    if not (isinstance(body, str) and "<mjx-container" in body):
        if glyphs:
            logger.warning(
                "%s: formulas were typeset outside the page's body (a title?): their glyphs "
                "are not on the page",
                pagename,
                type="mathjax_svg",
            )
        return
    context["body"] = glyphs + body
    context["metatags"] = context.get("metatags", "") + f"\n<style>{ts.css()}</style>"


def stop(app: Sphinx, exception: Exception | None) -> None:
    """End the Node.js process when the build ends."""
    global _typesetter
    if _typesetter is not None and _typesetter.pid == os.getpid():
        _typesetter.close()
    _typesetter = None


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``mathjax_svg`` math renderer and its stylesheet with Sphinx."""
    app.add_html_math_renderer(
        "mathjax_svg", (html_visit_math, None), (html_visit_displaymath, None)
    )
    app.connect("html-page-context", add_page_assets)
    app.connect("build-finished", stop)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
