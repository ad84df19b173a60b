"""Code blocks without the spans that change nothing: fewer elements for a phone to lay out.

Pygments wraps every token of a code block in a ``<span class="…">`` for its colour. In
the two styles the theme uses (``a11y-high-contrast-light`` and ``-dark``), names,
punctuation and whitespace are drawn exactly as the block's own text (same colour, no
bold or italic), so their spans only add elements: on a code-heavy chapter about 2 400 of
its 4 200 spans. Lighthouse (issue 31) counts the style and layout of those elements in a
phone's blocked main thread.

This extension gives Sphinx's HTML highlighter a formatter that writes such tokens as
plain text. Which tokens those are is not a fixed list: :func:`plain_tokens` asks the
page's light *and* dark Pygments styles, so a different style (``pygments_light_style``
in the theme's options) keeps every span that draws differently. The text, and the text
a reader copies, are unchanged.
"""

from __future__ import annotations

from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.styles import get_style_by_name
from pygments.token import Text
from sphinx.application import Sphinx

#: The theme options naming the page's two Pygments styles (pydata-sphinx-theme's).
STYLE_OPTIONS = ("pygments_light_style", "pygments_dark_style")


def plain_tokens(style_names: list[str]) -> frozenset:
    """Return the token types every style in *style_names* draws as its plain text."""
    styles = [get_style_by_name(name) for name in style_names]
    common = set.intersection(*(set(style.styles) for style in styles))
    return frozenset(
        token
        for token in common
        if token is not Text
        and all(style.style_for_token(token) == style.style_for_token(Text) for style in styles)
    )


class PlainTokensFormatter(HtmlFormatter):
    """Pygments' HTML formatter, writing the tokens of :attr:`plain` without a span."""

    plain: frozenset = frozenset()

    def _get_css_classes(self, ttype: Any) -> str:
        """Return no class (so no span) for a plain token, else Pygments' classes."""
        if ttype in self.plain:
            return ""
        return super()._get_css_classes(ttype)


def page_styles(app: Sphinx) -> list[str]:
    """Return the names of the light and dark Pygments styles the theme writes."""
    theme = getattr(app.builder, "theme", None)
    options = {**(theme.get_options() if theme else {}), **app.config.html_theme_options}
    return [options[key] for key in STYLE_OPTIONS if options.get(key)]


def use_plain_formatter(app: Sphinx) -> None:
    """Give the HTML builder's highlighter the formatter that drops unneeded spans."""
    highlighter = getattr(app.builder, "highlighter", None)
    styles = page_styles(app)
    if highlighter is None or len(styles) != len(STYLE_OPTIONS):
        return  # not an HTML build, or a theme without light and dark styles
    formatter = type(
        "PagePlainTokensFormatter", (PlainTokensFormatter,), {"plain": plain_tokens(styles)}
    )
    highlighter.formatter = formatter


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the formatter for HTML builds."""
    app.connect("builder-inited", use_plain_formatter)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
