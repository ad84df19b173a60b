r"""Icon fonts cut down to the icons a stylesheet can draw (used by :mod:`booktools.sphinx_css`).

The theme's stylesheet declares Font Awesome's fonts, and a browser fetches the solid one
(156 kB) as soon as the first icon of the header is laid out: on a phone profile that
download sat on the path to the first paint (issue 31). A page can only draw the icons
whose code points its stylesheet names (``.fa-bars:before{content:"\f0c9"}`` and the
theme's ``--pst-icon-*`` properties), so once the site's stylesheet is purged, each icon
font of an ``@font-face`` is subset with fontTools (the package matplotlib already
depends on) to the private-use code points the stylesheet names: about 4 kB. The subset
is written as WOFF (zlib; WOFF 2 would need Brotli) beside the stylesheet, named by its
hash, and the rule's ``src`` points to it. Text fonts are never touched.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

#: The families that are subset: icon fonts, whose glyphs are named only by code points.
ICON_FAMILY = re.compile(r"Font\s*Awesome", re.IGNORECASE)
#: Unicode's private use area, where icon fonts put their glyphs.
PRIVATE_USE = range(0xE000, 0xF8FF + 1)

_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})")
#: A CSS ``url(...)``, quoted or not: group 2 is the address (also used by sphinx_css).
CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_SRC = re.compile(r"(^|;)\s*src\s*:[^;]*", re.IGNORECASE)


def icon_codepoints(css: str) -> set[int]:
    r"""Return the private-use code points *css* names, escaped (``\f0c9``) or literal."""
    found = {int(m.group(1), 16) for m in _ESCAPE.finditer(css)}
    found |= {ord(ch) for ch in css}
    return {c for c in found if c in PRIVATE_USE}


def subset_font(path: Path, codepoints: set[int]) -> bytes:
    """Return the font at *path* cut down to *codepoints*, as WOFF bytes."""
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    font = TTFont(path, recalcTimestamp=False)  # the same bytes every build
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff"
    font.save(out)
    return out.getvalue()


def _readable_source(urls: list[str], css_dir: Path) -> Path | None:
    """Return the first local file among a rule's sources that fontTools reads without Brotli."""
    for url in urls:
        path = (css_dir / url.split("?", 1)[0].split("#", 1)[0]).resolve()
        if path.suffix.lower() in {".ttf", ".otf", ".woff"} and path.is_file():
            return path
    return None


def subset_icon_fonts(css: str, css_dir: Path, out_dir: Path) -> tuple[str, list[dict]]:
    """Subset the icon fonts of *css* (a stylesheet in *css_dir*) to the icons it names.

    Each ``@font-face`` of an icon family (:data:`ICON_FAMILY`) with a local TrueType or
    WOFF source gets a subset written to *out_dir* and its ``src`` replaced by it. Returns
    the new stylesheet and one report per font (file, bytes before and after).
    """
    codepoints = icon_codepoints(css)
    reports: list[dict] = []

    def rewrite(match: re.Match) -> str:
        body = match.group(1)
        family = re.search(r"font-family\s*:([^;]*)", body, re.IGNORECASE)
        if not family or not ICON_FAMILY.search(family.group(1)):
            return match.group(0)
        urls = [m.group(2) for m in CSS_URL.finditer(body)]
        source = _readable_source(urls, css_dir)
        if source is None:
            return match.group(0)
        fetched = (css_dir / urls[0].split("?", 1)[0]).resolve()  # what a browser fetched
        data = subset_font(source, codepoints)
        digest = hashlib.sha256(data).hexdigest()[:12]
        target = out_dir / f"{source.stem}-{digest}.woff"
        out_dir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        url = posixpath.relpath(target.as_posix(), css_dir.as_posix())
        before = fetched.stat().st_size if fetched.is_file() else source.stat().st_size
        reports.append(
            {
                "font": fetched.name,
                "subset": target.name,
                "before": before,
                "after": len(data),
                "glyphs": len(codepoints),
            }
        )
        new_body = _SRC.sub(lambda m: f'{m.group(1)}src:url({url}) format("woff")', body, 1)
        return "@font-face{" + new_body + "}"

    return _FONT_FACE.sub(rewrite, css), reports
