"""What a page's cached result depends on.

Its code, the mlbook modules it imports (transitively, lazy imports included), and the
pinned requirements -- nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from booktools import inputs
from booktools.sphinx_inputs import with_key
from conftest import MYST_FRONT_MATTER, ROOT


@pytest.fixture
def book(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "mlbook"
    (package / "data").mkdir(parents=True)
    files = {
        "__init__.py": '"""Toy."""\n',
        "profile.py": "X = 1\n",
        "plotting.py": "from mlbook import profile\n",
        "topic.py": "from mlbook.plotting import style\n\ndef f():\n    from . import lazy\n",
        "lazy.py": "Y = 2\n",
        "other.py": "Z = 3\n",
        "data/__init__.py": "from .mnist import load\n",
        "data/mnist.py": "from ..profile import X\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    (tmp_path / "requirements.txt").write_text("numpy==2.0\n")
    return tmp_path


def page(*cells: str) -> str:
    body = "".join(f"\n```{{code-cell}} ipython3\n{c}\n```\n" for c in cells)
    return f"{MYST_FRONT_MATTER}\n# Page\n{body}"


def test_modules_are_found_transitively_with_lazy_and_relative_imports(book):
    text = page("import numpy as np\n%matplotlib inline\nfrom mlbook import topic")
    found = set(inputs.page_modules(text, book))
    assert found == {"mlbook", "mlbook.topic", "mlbook.plotting", "mlbook.profile", "mlbook.lazy"}


def test_a_subpackage_brings_its_submodules(book):
    text = page("from mlbook.data import load")
    assert set(inputs.page_modules(text, book)) == {
        "mlbook",
        "mlbook.data",
        "mlbook.data.mnist",
        "mlbook.profile",
    }


def test_cell_options_are_not_code(book):
    text = page(":tags: [remove-cell]\nfrom mlbook import other")
    assert "mlbook.other" in inputs.page_modules(text, book)


def test_the_key_changes_with_an_imported_module_or_the_requirements_only(book):
    text = page("from mlbook import topic")
    key = inputs.inputs_key(text, book)
    (book / "src" / "mlbook" / "other.py").write_text("Z = 4\n")  # not imported
    assert inputs.inputs_key(text, book) == key
    (book / "src" / "mlbook" / "lazy.py").write_text("Y = 3\n")  # imported lazily
    key2 = inputs.inputs_key(text, book)
    assert key2 != key
    (book / "requirements.txt").write_text("numpy==2.1\n")
    assert inputs.inputs_key(text, book) != key2


def test_the_sphinx_stamp_and_the_cache_reader_give_one_key(book):
    """Sphinx and the parallel executor hash one notebook.

    myst-nb hashes the notebook it reads from the stamped text; the build's parallel
    executor caches the notebook from ``read_page``: both must give the same hash.
    """
    from jupyter_cache.cache.main import JupyterCacheBase
    from myst_nb.core.read import read_myst_markdown_notebook

    (book / "_config.yml").write_text("execute: {timeout: 1}\n")
    (book / "_toc.yml").write_text("root: p\n")
    path = book / "p.md"
    path.write_text(page("from mlbook import topic\nprint(topic)"))
    text = path.read_text()
    stamped = with_key(text, inputs.inputs_key(text, book))
    assert len(stamped.splitlines()) == len(text.splitlines())  # line numbers kept
    via_sphinx = read_myst_markdown_notebook(stamped)
    via_reader = inputs.read_page(str(path))
    cache = JupyterCacheBase(str(book / "cache"))
    assert (
        cache.create_hashed_notebook(via_sphinx)[1] == cache.create_hashed_notebook(via_reader)[1]
    )
    unstamped = read_myst_markdown_notebook(text)
    assert cache.create_hashed_notebook(unstamped)[1] != cache.create_hashed_notebook(via_reader)[1]


def test_pages_without_a_kernel_are_left_alone():
    text = "---\ntitle: x\n---\n# Prose\n"
    assert with_key(text, "sha256:0") == text


def test_every_book_page_imports_the_module_named_after_it():
    """The layout rule: book/<section>/<nn>-<topic>.md is backed by mlbook/<topic>.py."""
    from booktools.toc import executed_pages

    for path in executed_pages(ROOT):
        topic = path.stem.split("-", 1)[1].replace("-", "_")
        modules = inputs.page_modules(path.read_text(), ROOT)
        assert f"mlbook.{topic}" in modules, path
