"""booktools.icon_fonts: the site's icon fonts cut down to the icons its stylesheet draws."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def theme_font(name: str) -> Path:
    """Return the PyData theme's copy of a Font Awesome font (installed with the theme)."""
    import pydata_sphinx_theme

    root = Path(pydata_sphinx_theme.__file__).parent
    found = sorted(root.rglob(name))
    if not found:
        pytest.skip(f"the theme ships no {name}")
    return found[0]


def test_icon_codepoints_reads_escapes_and_literal_characters():
    from booktools.icon_fonts import icon_codepoints

    css = (
        '.a:before{content:"\\f0c9"}.b{--icon:"\\F303 "}'
        '.c:before{content:"\uf002"}.d{content:"\\2014"}'
    )
    assert icon_codepoints(css) == {0xF0C9, 0xF303, 0xF002}  # an em dash is no icon


def test_subset_keeps_exactly_the_named_icons_and_leaves_text_fonts_alone(tmp_path):
    from fontTools.ttLib import TTFont

    from booktools.icon_fonts import subset_icon_fonts

    fonts = tmp_path / "vendor"
    fonts.mkdir()
    shutil.copy(theme_font("fa-solid-900.ttf"), fonts / "fa-solid-900.ttf")
    (fonts / "fa-solid-900.woff2").write_bytes(b"stands for the browser's copy")
    (fonts / "Text.ttf").write_bytes(b"never read")
    css = (
        '@font-face{font-display:block;font-family:"Font Awesome 6 Free";font-weight:900;'
        'src:url(vendor/fa-solid-900.woff2) format("woff2"),'
        'url(vendor/fa-solid-900.ttf) format("truetype")}'
        '@font-face{font-family:Lato;src:url(vendor/Text.ttf) format("truetype")}'
        '.fa-bars:before{content:"\\f0c9"}.fa-sun:before{content:"\\f185"}'
    )
    new, reports = subset_icon_fonts(css, tmp_path, tmp_path / "fonts")

    (report,) = reports  # the text font is not an icon font
    assert report["font"] == "fa-solid-900.woff2"
    subset = tmp_path / "fonts" / report["subset"]
    assert f'src:url(fonts/{subset.name}) format("woff")' in new
    assert "fa-solid-900.ttf" not in new
    assert "font-family:Lato;src:url(vendor/Text.ttf)" in new  # untouched
    assert ".fa-bars:before" in new
    font = TTFont(subset)
    assert font.flavor == "woff"
    assert set(font.getBestCmap()) == {0xF0C9, 0xF185}
    assert report["after"] == subset.stat().st_size < 10_000
    # the same bytes every build: the file and the stylesheet that names it stay cached
    _, (again,) = subset_icon_fonts(css, tmp_path, tmp_path / "again")
    assert again["subset"] == subset.name
    assert (tmp_path / "again" / subset.name).read_bytes() == subset.read_bytes()


def test_a_rule_without_a_readable_source_is_left_as_it_is(tmp_path):
    from booktools.icon_fonts import subset_icon_fonts

    css = (
        '@font-face{font-family:"Font Awesome 6 Brands";src:url(missing.woff2) format("woff2")}'
        '.fa-github:before{content:"\\f09b"}'
    )
    assert subset_icon_fonts(css, tmp_path, tmp_path / "fonts") == (css, [])
