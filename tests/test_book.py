"""The book itself is a test: build it and check the site.

The quick profile is built here; ``make check-site`` checks the full one. The build fails
on any Sphinx warning or cell error (``-W`` and ``raise_on_error``); the checks below look
at what a reader gets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from booktools.reprs import LOG_NOISE  # one definition: make chapter reports it too
from booktools.toc import toc_docnames
from conftest import SITE_PROFILE, defines, shown_functions

pytestmark = pytest.mark.book
ROOT = Path(__file__).resolve().parents[1]


def toc_pages() -> list[str]:
    return toc_docnames(ROOT)


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


def page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def executed_pages() -> list[str]:
    from booktools.toc import executed_pages

    return [p.relative_to(ROOT).with_suffix("").as_posix() for p in executed_pages(ROOT)]


def test_every_toc_page_is_built(site):
    missing = [p for p in toc_pages() if not (site / f"{p}.html").exists()]
    assert not missing


@pytest.mark.parametrize("name", executed_pages())
def test_chapter_executed_and_states_how(site, name):
    soup = page(site, name)
    text = soup.get_text(" ")
    assert soup.select(".cell_output"), "no cell output: the page was not executed"
    goals = soup.select_one(".admonition.chapter-goals")
    assert goals is not None, "no opening block (In this chapter: You will learn, You need)"
    assert "You will learn" in goals.get_text()
    assert "You need" in goals.get_text()
    run_line = next((p for p in goals.select("p") if "This page ran in" in p.get_text()), None)
    assert run_line is not None, "the opening block does not say how the page ran"
    assert SITE_PROFILE in run_line.get_text(), "the run line does not state the profile"
    headings = [h.get_text(" ", strip=True) for h in soup.select("h2")]
    for closing in ("Summary", "Exercises", "Where next"):
        assert any(h.startswith(closing) for h in headings), f"no {closing!r} section"
    assert len(soup.select("div.exercise, .exercise.admonition")) >= 4, "fewer than 4 exercises"
    outputs = "\n".join(o.get_text() for o in soup.select(".cell_output"))
    assert not re.search(r"Traceback|\w+Error:", outputs), "error output in a cell"
    assert not soup.select(".output.stderr"), "stderr output (warnings) on the page"
    # stdout and stderr are merged (nb_merge_streams), so look for what logs look like
    noise = LOG_NOISE.search(outputs)
    assert not noise, f"log or warning output on the page: {noise.group(0)!r}"
    pasted = soup.select(".pasted-text")
    assert pasted, "no glued value"
    assert all(p.get_text().strip() for p in pasted), "empty glued value"
    assert "{glue" not in text


def test_no_script_file_blocks_the_first_paint(site):
    """Every page's script files load with defer or async (issue 31), but one.

    ``documentation_options.js`` stays where it is: inline scripts after it use it at
    once. The search index is loaded by the search page only. The widget manager's
    scripts are inert (``type="mlbook/lazy-widgets"``, which a browser neither fetches nor
    runs) until a widget nears the screen (booktools.sphinx_site.lazy_widgets).
    """
    blocking, search_index = {}, []
    for name in toc_pages():
        soup = page(site, name)
        srcs = [
            s["src"]
            for s in soup.find_all("script", src=True)
            if not s.has_attr("defer")
            and not s.has_attr("async")
            and s.get("type") != "mlbook/lazy-widgets"
        ]
        srcs = [s for s in srcs if "documentation_options.js" not in s]
        if srcs:
            blocking[name] = srcs
        if soup.find("script", src=re.compile(r"searchindex\.js")):
            search_index.append(name)
    assert not blocking
    assert not search_index
    search = BeautifulSoup((site / "search.html").read_text(encoding="utf-8"), "html.parser")
    assert search.find("script", src=re.compile(r"searchindex\.js"))


def test_every_image_has_alt_text(site):
    missing = []
    for p in toc_pages():
        for img in page(site, p).select("main img, article img"):
            if not (img.get("alt") or "").strip():
                missing.append(f"{p}: {img.get('src', '')[:60]}")
    assert not missing


def test_errata_page_collects_every_erratum(site):
    in_chapters = sum(
        page(site, p).select("div.erratum").__len__()
        for p in toc_pages()
        if "appendix/errata" not in p
    )
    errata = page(site, "book/appendix/errata")
    collected = errata.select("div.erratum")
    assert in_chapters >= 3
    assert len(collected) == in_chapters
    links = [a["href"] for a in errata.select("p.erratum-source a")]
    assert len(links) == in_chapters
    assert all("#erratum-" in h for h in links)


def test_deep_learning_page_glues_its_results(site):
    soup = page(site, "book/tensorflow/02-deep-learning")
    values = [p.get_text() for p in soup.select(".pasted-text")]
    assert any(re.fullmatch(r"\d{1,3}\.\d\d%", v) for v in values), "no glued accuracy"
    assert "MNIST loaded from" in soup.get_text()


def test_execution_report_lists_pages_in_reading_order(site):
    rows = page(site, "book/appendix/execution-report").select("table.execution-report tbody tr")
    links = [row.select_one("a") for row in rows if row.select_one("a")]
    hrefs = [a["href"].split("#")[0].removeprefix("../").removesuffix(".html") for a in links]
    assert [f"book/{h}" for h in hrefs] == executed_pages()
    assert rows[-1].get_text(strip=True).startswith("All pages")


def test_every_page_fits_binders_memory_in_the_quick_profile(site):
    """Each page's kernel peak stays under the book's limit in the quick profile.

    Binder runs the quick profile with about 2 GB; the peak is the run record's (the
    operating system's high-water mark of the kernel and what it started).
    """
    from booktools.binder import LIMIT_MB

    rows = page(site, "book/appendix/execution-report").select("table.execution-report tbody tr")
    peaks = {}
    for row in rows[:-1]:  # the last row is the total
        cells = [td.get_text(strip=True) for td in row.select("td")]
        assert cells[3], f"{cells[0]}: no peak memory in its run record"
        peaks[cells[0]] = (cells[1], float(cells[3].replace(",", "")))
    assert len(peaks) == len(executed_pages())
    over = {
        name: mb for name, (profile, mb) in peaks.items() if profile == "quick" and mb > LIMIT_MB
    }
    assert not over, f"over {LIMIT_MB} MB in the quick profile (Binder's): {over}"
    assert all(mb > 100 for _, mb in peaks.values())  # a kernel with NumPy at least


def test_the_binder_table_covers_every_chapter(site):
    soup = page(site, "book/appendix/execution-report")
    table = soup.select_one("table.binder-memory")
    chapters = [row.select_one("td").get_text(strip=True) for row in table.select("tbody tr")]
    assert chapters == [f"{name}.md" for name in executed_pages()]
    assert "against the book's limit of 1,536 MB per chapter" in soup.get_text(" ")


@pytest.mark.parametrize("name", executed_pages())
def test_no_output_shows_a_python_repr(site, name):
    """Outputs are typeset: no np.float64(...), dicts, namespace(...), 16-digit decimals."""
    from booktools.reprs import reprs_in_text

    soup = page(site, name)
    found = [
        snippet
        for output in soup.select(".cell_output, figure")  # glued figures too
        for snippet in reprs_in_text(output.get_text(" "))
    ]
    assert found == []


@pytest.mark.parametrize("name", executed_pages())
def test_prose_shows_no_raw_markdown_and_no_signed_zero(site, name):
    """Glued text is plain, and no difference prints as a signed zero.

    '**overfitting**' in a glued string would show its stars; a difference between two
    different values never prints as '+0.0 points' (mlbook.typeset.difference).
    """
    from booktools.reprs import markup_in_text, signed_zeros_in_text

    soup = page(site, name)
    for tag in soup(["pre", "code", "script", "style", "math"]):
        tag.decompose()
    for tag in soup.select(".math, .MathJax"):
        tag.decompose()
    text = soup.get_text(" ")
    assert markup_in_text(text) == []
    assert signed_zeros_in_text(text) == []


def test_no_cell_failed_even_in_a_removed_cell(site):
    """An error output in a removed cell (a display that failed) is not on the page.

    It still means something went wrong, e.g. a figure shown as text: read the executed
    notebooks the site was rendered from.
    """
    from booktools.glue import executed_notebooks

    cache = site.parent / ".jupyter_cache"
    errors = [
        f"{name}: {out.get('ename')}: {str(out.get('evalue'))[:120]}"
        for name, nb in executed_notebooks(cache).items()
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("name", executed_pages())
def test_the_notebook_download_is_the_edition_with_the_outputs(site, name):
    """The .ipynb download is the notebook edition: plain markdown, shown code, outputs."""
    import json

    import nbformat

    from booktools import edition

    nb = nbformat.read(str(site / "_sources" / f"{name}.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert "mlbook_inputs" not in nb.metadata["kernelspec"]
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.metadata.get("tags") == [edition.INSTALL_TAG]
    assert nb.cells[0].source.startswith("# ")  # the title first
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert edition.raw_myst(markdown) == []
    for token in ("{glue", "{ref}", "{eq}", "{numref}", ":pyobject:", ":class:", "{exercise}"):
        assert token not in edition.prose(markdown), token
    missing = [f for f in shown_functions(name) if not defines(markdown, f)]
    assert not missing, f"shown on the site, absent from the notebook: {missing}"
    executed = json.loads((site.parent / "jupyter_execute" / f"{name}.ipynb").read_text())
    code = [c for c in nb.cells if c.cell_type == "code"][1:]
    expected = ["".join(c["source"]) for c in executed["cells"] if c["cell_type"] == "code"]
    assert [c.source for c in code] == expected  # every cell, in order, removed ones too
    with_outputs = [c for c in code if c.get("outputs")]
    assert len(with_outputs) >= len(code) // 2
    hidden = [c for c in code if "remove-cell" in c.metadata.get("tags", [])]
    assert all(c.metadata["jupyter"]["source_hidden"] for c in hidden)


@pytest.mark.parametrize("name", executed_pages())
def test_launch_buttons_open_the_edition(site, name):
    """Binder and Colab open the page's edition on the notebooks branch; the download too."""
    links = {a.get_text(" ", strip=True): a["href"] for a in page(site, name).select("a[href]")}
    binder = next(href for text, href in links.items() if "Binder" in text)
    colab = next(href for text, href in links.items() if "Colab" in text)
    assert binder.endswith(f"/notebooks?urlpath=lab/tree/{name}.ipynb")
    assert colab.endswith(f"/blob/notebooks/{name}.ipynb")
    assert colab.startswith("https://colab.research.google.com/github/")
    assert any(href.endswith(f"_sources/{name}.ipynb") for href in links.values())


def test_internal_links_and_anchors_resolve(site):
    """Every link from a book page to another page of the site (and its #anchor) exists."""
    from urllib.parse import unquote, urldefrag

    broken, ids_of = [], {}
    for name in toc_pages():
        source = site / f"{name}.html"
        for a in page(site, name).select("a[href]"):
            href = a["href"]
            if href.startswith(("http:", "https:", "mailto:", "javascript:")):
                continue
            target, fragment = urldefrag(href)
            path = (source.parent / unquote(target)).resolve() if target else source
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{name}: {href}")
                continue
            if fragment and path.suffix == ".html":
                if path not in ids_of:
                    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
                    ids_of[path] = {t["id"] for t in soup.select("[id]")}
                if unquote(fragment) not in ids_of[path]:
                    broken.append(f"{name}: {href} (no such anchor)")
    assert not broken


def test_the_book_pdf_has_every_page_with_its_figures_and_math(site):
    """book.pdf (printed by Chromium, linked from the introduction) is the whole site."""
    from pypdf import PdfReader

    from booktools.pdf import PDF_NAME, page_title

    pdf = site / PDF_NAME
    assert pdf.exists(), "make book prints the site into book.pdf (needs Chromium)"
    intro = page(site, "book/intro")
    assert intro.select_one(f'a[href="../{PDF_NAME}"]') is not None
    reader = PdfReader(pdf)
    titles = [o.title for o in reader.outline]
    assert titles == [page_title(site / f"{name}.html") for name in toc_pages()]
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert starts == sorted(starts)
    for name, start, end in zip(toc_pages(), starts, [*starts[1:], len(reader.pages)]):
        html_figures = len(page(site, name).select('main img[src*="_images/"]'))
        pdf_images = sum(len(p.images) for p in reader.pages[start:end])
        assert pdf_images >= html_figures, f"{name}: {pdf_images} images, {html_figures} in HTML"
    text = "".join(p.extract_text() for p in reader.pages)
    assert "\\(" not in text  # MathJax typeset every formula before printing
    assert "$$" not in text
