"""booktools.glue: comparing the glued values of two builds."""

from booktools import glue


def test_diff_separates_results_from_the_run_record():
    before = {"p:acc": "0.91", "p:page_seconds": "12.0", "p:n": "10"}
    after = {"p:acc": "0.93", "p:page_seconds": "14.5", "p:n": "10", "p:new": "1"}
    result, record = glue.diff(before, after)
    assert result == ["p:acc: 0.91 -> 0.93", "p:new: <absent> -> 1"]
    assert record == ["p:page_seconds: 12.0 -> 14.5"]
    assert glue.diff(before, dict(before)) == ([], [])


def test_a_glued_value_reads_as_markdown_text_or_a_figure_digest():
    prefix = "application/papermill.record/"
    meta = {"name": "x", "mime_prefix": prefix}
    text = {"data": {prefix + "text/plain": "0.5"}}
    md = {"data": {prefix + "text/markdown": "**b**", prefix + "text/plain": "<Markdown>"}}
    fig = {"data": {prefix + "image/png": "iVBOR", prefix + "text/plain": "<Figure>"}}
    assert glue._text(text, meta) == "0.5"
    assert glue._text(md, meta) == "**b**"
    assert glue._text(fig, meta).startswith("image sha256:")
