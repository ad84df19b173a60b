"""One reader of the table of contents and of "is this page executed"."""

from __future__ import annotations

import pytest

from booktools import toc
from conftest import MYST_FRONT_MATTER, ROOT


def test_the_books_pages_in_reading_order():
    names = toc.toc_docnames(ROOT)
    assert names[0] == "book/intro"
    assert names.index("book/tensorflow/01-tensorflow-basics") < names.index(
        "book/sklearn/07-active-learning"
    )
    executed = toc.executed_pages(ROOT)
    assert len(executed) == len(set(executed)) >= 20
    assert all(p.suffix == ".md" and p.is_file() for p in executed)


@pytest.mark.parametrize(
    ("front", "executed"),
    [
        (MYST_FRONT_MATTER, True),
        # a kernelspec without jupytext: myst-nb renders the cells as text, runs nothing
        ("---\nkernelspec:\n  name: python3\n  display_name: Python 3\n---\n", False),
        ("---\njupytext:\n  text_representation:\n    format_name: myst\n---\n", False),
        ("", False),
    ],
)
def test_a_page_is_executed_only_with_jupytext_and_kernelspec(tmp_path, front, executed):
    page = tmp_path / "page.md"
    page.write_text(front + "\n# Title\n\n```{code-cell} ipython3\nprint(1)\n```\n")
    assert toc.is_executed(page) is executed
    assert (toc.not_executed_reason(page) is None) is executed


def test_nested_chapters_are_found(tmp_path, myst_page):
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 42\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n- caption: P\n  chapters:\n"
        "  - file: a\n    sections:\n    - file: b\n"
    )
    (tmp_path / "intro.md").write_text("# Intro\n")
    myst_page(tmp_path / "a.md", "1")
    myst_page(tmp_path / "b.md", "2")
    assert toc.toc_docnames(tmp_path) == ["intro", "a", "b"]
    assert toc.executed_pages(tmp_path) == [tmp_path / "a.md", tmp_path / "b.md"]
    assert toc.execution_timeout(toc.find_root(tmp_path)) == 42
