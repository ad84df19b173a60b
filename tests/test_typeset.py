import numpy as np
import pandas as pd
import pytest

from mlbook import typeset


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (2977.59944, "2,978"),
        (944.292, "944.3"),
        (0.9555555555555556, "0.9556"),
        (np.float64(0.5), "0.5"),
        (3.0, "3"),
        (1234567, "1,234,567"),
        (1.6479654330048277e-07, "1.648e-07"),
        (0, "0"),
    ],
)
def test_numbers_are_rounded_and_grouped(x, text):
    assert typeset.number(x) == text


def test_percent_seconds():
    assert typeset.percent(0.97345) == "97.3 %"
    assert typeset.percent(np.float32(0.5), 0) == "50 %"
    assert typeset.seconds(0.4234) == "0.42 s"
    assert typeset.seconds(61.3) == "61 s"
    assert typeset.seconds(185) == "3 min 05 s"


@pytest.mark.parametrize(
    ("n", "word", "text"),
    [
        (1, "epoch", "1 epoch"),
        (5, "epoch", "5 epochs"),
        (1, "ID switch", "1 ID switch"),
        (2, "ID switch", "2 ID switches"),
        (1, "false positive", "1 false positive"),
        (1200, "image", "1,200 images"),
    ],
)
def test_plurals_agree(n, word, text):
    assert typeset.plural(n, word) == text


def test_irregular_plural():
    assert typeset.plural(3, "query", "queries") == "3 queries"


def test_table_formats_numbers_and_leaves_text():
    frame = pd.DataFrame(
        {"model": ["a", "b"], "accuracy": [0.91234, 0.8], "seconds": [2977.6, 0.5]}
    )
    html = typeset.table(frame, {"accuracy": "percent"}).to_html()
    assert "91.2 %" in html
    assert "2,978" in html
    assert ">a<" in html
    assert "0.91234" not in html


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.04321, "p = 0.043"), (0.5, "p = 0.50"), (0.0012, "p = 0.0012"), (3e-9, "p < 0.001")],
)
def test_p_values_are_typeset_and_tiny_ones_bounded(p, text):
    assert typeset.p_value(p) == text


def test_a_p_value_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        typeset.p_value(1.5)
