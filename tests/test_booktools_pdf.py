"""The book's PDF: printed page by page with Chromium, joined in reading order."""

from __future__ import annotations

import os

import pytest

from booktools import pdf

pytestmark = pytest.mark.skipif(
    pdf.find_chromium() is None and not os.environ.get("CI"),
    reason="no Chromium installed (apt-get install chromium)",
)


def _site(tmp_path):
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "index.html").write_text(
        "<html><head><title>Front page — Book</title></head><body><h1>Front</h1></body></html>"
    )
    (site / "book" / "one.html").write_text(
        "<html><head><title>Chapter one — Book</title></head>"
        "<body><h1>Chapter one</h1><p>Some text.</p></body></html>"
    )
    return site


def test_pages_are_joined_in_reading_order_with_a_bookmark_each(tmp_path):
    from pypdf import PdfReader

    site = _site(tmp_path)
    out = pdf.make_pdf(site, ["index", "book/one"], site / pdf.PDF_NAME, parts=tmp_path / "p")
    reader = PdfReader(out)
    assert [o.title for o in reader.outline] == ["Front page", "Chapter one"]
    assert "Chapter one" in reader.pages[-1].extract_text()
    assert reader.metadata.title == "Front page"


def test_an_unchanged_site_is_not_printed_again(tmp_path, monkeypatch):
    site = _site(tmp_path)
    out = pdf.make_pdf(site, ["index", "book/one"], site / pdf.PDF_NAME, parts=tmp_path / "p")
    printed = []
    monkeypatch.setattr(pdf, "print_page", lambda *a, **k: printed.append(a))
    assert pdf.make_pdf(site, ["index", "book/one"], out, parts=tmp_path / "p") == out
    assert printed == []


def test_a_missing_page_says_to_build_first(tmp_path):
    with pytest.raises(pdf.PdfError, match="build it first"):
        pdf.make_pdf(_site(tmp_path), ["index", "book/two"], tmp_path / "b.pdf")
