"""booktools.prose: a typed number in prose is reported.

Unless it is code, math, glued, a quotation of the notes, a fixed fact or part of a name.
"""

from __future__ import annotations

import pytest

from booktools import prose
from conftest import MYST_FRONT_MATTER

ALLOWED = [
    "The accuracy is {glue:text}`acc:.1%` on the test set.",
    "The notes print {notes}`97.94 %` after ten epochs.",
    "MNIST has {fact}`60 000` training images.",
    "A `Conv2D(32, 3)` layer, then L2 and float32 and CIFAR-10 and Inception-v3.",
    "Written for TensorFlow 2 and Keras 3, not TF 1.",
    "Inline math $x_1 + 2$ and a link [page](page-2.md).",
    "1. The first exercise.",
    "See {ref}`cnn-2` and {doc}`appendix/errata-1`.",
]

FLAGGED = [
    "The forest reaches 93 % accuracy.",
    "It took 12 s.",
    "Exercise 3 trains for longer.",
]


@pytest.mark.parametrize("line", ALLOWED)
def test_allowed_numbers_pass(line):
    assert prose.typed_numbers(f"{MYST_FRONT_MATTER}\n{line}\n") == []


@pytest.mark.parametrize("line", FLAGGED)
def test_typed_results_are_reported_with_their_line(line):
    text = f"{MYST_FRONT_MATTER}\n# Title\n\n{line}\n"
    assert prose.typed_numbers(text) == [(len(text.splitlines()), line)]


def test_code_cells_math_blocks_and_options_are_not_prose():
    text = (
        f"{MYST_FRONT_MATTER}\n```{{code-cell}} ipython3\nx = 42\n```\n\n"
        "$$\ny = 3x + 1\n$$\n\n```{figure} a.png\n:width: 80%\n\nA caption.\n```\n"
        "(label-2)=\n"
    )
    assert prose.typed_numbers(text) == []


@pytest.mark.parametrize("directive", ["{figure} a.png", "{glue:figure} fig_loss"])
def test_captions_are_prose_alt_text_is_left_to_claims(directive):
    text = (
        f"{MYST_FRONT_MATTER}\n```{directive}\n:width: 80%\n:alt: A curve over 7 epochs.\n"
        ":name: fig-loss\n\nIt levels off after 5 epochs.\n```\n"
    )
    found = [line for _, line in prose.typed_numbers(text)]
    assert found == ["It levels off after 5 epochs."]


def test_the_books_prose_types_no_result():
    """Every page of the book: numbers in prose are glued, quoted from the notes or facts."""
    from booktools.toc import toc_pages
    from conftest import ROOT

    found = {
        page.relative_to(ROOT).as_posix(): prose.typed_numbers(page.read_text(encoding="utf-8"))
        for page in toc_pages(ROOT)
    }
    assert {page: lines for page, lines in found.items() if lines} == {}
