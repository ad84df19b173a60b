"""Numbers and tables typeset for a reader: the book's one formatter.

A page never shows a Python repr (``np.float64(0.9555…)``, ``{'acc': 0.93…}``,
``namespace(...)``): it shows a sentence with glued values, or a table made here. The
helpers round to what the number can support (four significant digits unless precision
is the point), group thousands, and make plurals agree with their numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def number(x: float, digits: int = 4) -> str:
    """Format *x* with at most *digits* significant digits, thousands grouped.

    >>> number(2977.59944), number(0.000012345), number(1234567)
    ('2,978', '1.234e-05', '1,234,567')
    """
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 10 ** (digits - 1):
        return f"{round(x):,}"
    if abs(x) < 1e-3:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(x: float, decimals: int = 1) -> str:
    """Format a share (0.9734) as a percentage ('97.3 %')."""
    return f"{100 * float(x):.{decimals}f} %"


def difference(
    d: float, *, scale: float = 100, unit: str = "points", decimals: int = 1, floor: float = 0.01
) -> str:
    """Format a signed difference so that a nonzero one never reads as zero.

    *d* is in the results' units (shares), *scale* turns it into the reader's (100:
    percentage points). It gets *decimals* decimals, more (up to the places of *floor*)
    when those round to zero, and ``'below 0.01 points'`` when even *floor* is too coarse;
    only an exact zero prints as ``'0 points'``.

    >>> difference(0.0123), difference(-0.0004), difference(0.00000003), difference(0.0)
    ('+1.2 points', '−0.04 points', 'below 0.01 points', '0 points')
    """
    x = float(d) * scale
    tail = f" {unit}" if unit else ""
    if x == 0:
        return f"0{tail}"
    if abs(x) < floor:
        return f"below {floor:g}{tail}"
    most = max(decimals, -math.floor(math.log10(floor)))
    places = next(p for p in range(decimals, most + 1) if round(abs(x), p) != 0)
    sign = "+" if x > 0 else "\u2212"
    return f"{sign}{abs(x):.{places}f}{tail}"


def p_value(p: float) -> str:
    """Format a p-value for a sentence: 'p = 0.043', and 'p < 0.001' for tiny ones.

    >>> p_value(0.04321), p_value(0.5), p_value(3e-9)
    ('p = 0.043', 'p = 0.50', 'p < 0.001')
    """
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"a p-value lies between 0 and 1, got {p}")
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def seconds(s: float) -> str:
    """Format a duration: '0.42 s', '12 s', '3 min 05 s'."""
    s = float(s)
    if s < 10:
        return f"{s:.2g} s" if s < 1 else f"{s:.1f} s"
    if s < 120:
        return f"{s:.0f} s"
    minutes, rest = divmod(round(s), 60)
    return f"{minutes} min {rest:02d} s"


def plural(n: int, word: str, words: str | None = None) -> str:
    """Return '1 epoch', '5 epochs', '1 ID switch', '2 ID switches' (n grouped).

    Give *words* where English is irregular (``plural(n, "image", "images")`` is not
    needed, ``plural(n, "query", "queries")`` is).
    """
    n = int(n)
    if n == 1:
        return f"1 {word}"
    if words is None:
        words = word + ("es" if word.endswith(("s", "sh", "tch", "x", "z")) else "s")
    return f"{n:,} {words}"


def table(data: Any, formats: Mapping[str, str] | None = None, *, caption: str | None = None):
    """Return a pandas Styler in the house style: numbers formatted per column.

    *data* is a DataFrame (or anything ``pandas.DataFrame`` accepts); *formats* maps a
    column to a format string (``"{:.1%}"``) or one of ``"percent"``, ``"number"``,
    ``"seconds"``, ``"count"``; other numeric columns get :func:`number`.
    """
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    named = {"percent": percent, "number": number, "seconds": seconds, "count": "{:,.0f}".format}
    formatters: dict[str, Any] = {}
    for column in frame.columns:
        spec = (formats or {}).get(column)
        if spec is not None:
            formatters[column] = named.get(spec, spec)
        elif pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
            frame[column]
        ):
            formatters[column] = number
    styler = frame.style.format(formatters)
    if caption:
        styler = styler.set_caption(caption)
    return styler
