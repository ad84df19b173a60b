"""The build driver.

Profile folders never share a cache; a page runs again only when its code, a module it
imports or the pinned requirements change.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from booktools import build
from booktools.toc import BookNotFound

TOY_CONFIG = """title: Toy
only_build_toc_files: true
exclude_patterns: [_build, src]
execute:
  execute_notebooks: cache
  timeout: 60
  raise_on_error: true
sphinx:
  extra_extensions: [booktools.sphinx_inputs, booktools.sphinx_downloads]
"""


def make_book(root: Path, myst_page) -> Path:
    """Make a two-page book whose pages import one module each from its own ``src/mlbook``."""
    package = root / "src" / "mlbook"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Toy library."""\n')
    (package / "a.py").write_text("VALUE = 6\n")
    (package / "b.py").write_text("VALUE = 7\n")
    (root / "requirements.txt").write_text("numpy==2.0\n")
    (root / "_config.yml").write_text(TOY_CONFIG)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: page_a\n- file: page_b\n"
    )
    (root / "intro.md").write_text("# No code here\n")
    myst_page(root / "page_a.md", "from mlbook import a\nprint(a.VALUE * 7)", title="A")
    myst_page(root / "page_b.md", "from mlbook.b import VALUE\nprint(VALUE * 6)", title="B")
    return root


def test_profiles_have_separate_outputs_and_caches(tmp_path):
    assert build.html_dir("full", tmp_path) == tmp_path / "_build" / "html"
    assert build.cache_dir("full", tmp_path) != build.cache_dir("quick", tmp_path)
    assert build.html_dir("quick", tmp_path).is_relative_to(tmp_path / "_build")


def test_build_command_turns_warnings_into_errors(tmp_path):
    cmd = build.command("quick", tmp_path)
    assert "-W" in cmd
    assert "--keep-going" in cmd
    assert cmd[cmd.index("--path-output") + 1] == str(build.build_root("quick", tmp_path))


def test_the_book_is_found_from_the_working_directory_not_the_install(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        build.main(["--profile", "quick"])
    assert "not a book's root folder" in capsys.readouterr().err


def test_kernels_import_the_books_own_library(tmp_path, myst_page):
    root = make_book(tmp_path, myst_page)
    env = build.kernel_env(root, "quick")
    assert env["PYTHONPATH"].split(":")[0] == str(root / "src")
    assert env["MLBOOK_PROFILE"] == "quick"
    config = Path(env["IPYTHONDIR"]) / "profile_default" / "ipython_kernel_config.py"
    assert "log_level" in config.read_text()


def test_default_jobs_is_one_per_core_but_capped(monkeypatch):
    monkeypatch.setattr(build.os, "cpu_count", lambda: 64)
    assert build.default_jobs() == build.MAX_DEFAULT_JOBS
    monkeypatch.setattr(build.os, "cpu_count", lambda: None)
    assert build.default_jobs() == 1


def _executed(cache, root: Path) -> dict[str, int]:
    """Page name -> number of cached results (one per execution with different inputs)."""
    counts: dict[str, int] = {}
    for record in cache.list_cache_records():
        name = Path(record.uri).stem
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.mark.slow  # starts Jupyter kernels
def test_execute_ahead_reruns_only_the_pages_whose_inputs_changed(tmp_path, myst_page):
    """Pages executed ahead are found by myst-nb's own lookup (same key).

    Editing a module re-executes only the page that imports it; editing requirements.txt
    re-executes all; a failing page is reported and left for the build to run and show.
    """
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    from booktools.inputs import inputs_key
    from booktools.sphinx_inputs import with_key

    root = make_book(tmp_path, myst_page)
    assert build.execute_ahead("quick", root, jobs=2, timeout=60) == []
    cache = get_cache(build.cache_dir("quick", root))
    assert _executed(cache, root) == {"page_a": 1, "page_b": 1}

    # myst-nb reads the page after booktools.sphinx_inputs stamped it: a cache hit
    text = (root / "page_a.md").read_text()
    nb = read_myst_markdown_notebook(with_key(text, inputs_key(text, root)))
    _, merged = cache.merge_match_into_notebook(nb)
    assert next(c for c in merged.cells if c.cell_type == "code").outputs[0]["text"] == "42\n"

    assert build.execute_ahead("quick", root, jobs=2, timeout=60) == []  # nothing to do
    assert _executed(cache, root) == {"page_a": 1, "page_b": 1}

    (root / "src" / "mlbook" / "b.py").write_text("VALUE = 7  # a comment\n")
    assert build.execute_ahead("quick", root, jobs=2, timeout=60) == []
    assert _executed(cache, root) == {"page_a": 1, "page_b": 2}  # only B ran again

    (root / "requirements.txt").write_text("numpy==2.1\n")
    (root / "src" / "mlbook" / "a.py").write_text("VALUE = 1 / 0\n")
    failed = build.execute_ahead("quick", root, jobs=2, timeout=60)
    assert failed == [str(root / "page_a.md")]
    assert _executed(cache, root) == {"page_a": 1, "page_b": 3}  # B re-ran, A failed

    assert build.prune_cache("quick", root) == 3  # A's and B's outdated results
    assert _executed(cache, root) == {"page_b": 1}


@pytest.mark.slow  # a real (toy) Jupyter Book build, twice
def test_a_module_edit_rebuilds_only_the_pages_that_import_it(tmp_path, myst_page):
    root = make_book(tmp_path, myst_page)

    def run() -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "booktools.build", "--profile", "quick", "--jobs", "1"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr

    first = run()
    assert first.count("Executing notebook") == 2
    html = build.html_dir("quick", root) / "page_a.html"
    assert "42" in html.read_text()
    # what the book theme offers as the .ipynb download
    executed = build.build_root("quick", root) / "_build" / "jupyter_execute" / "page_a.ipynb"
    download = nbformat.read(str(executed), as_version=4)
    code = [c for c in download.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "42\n"  # the download carries the outputs
    assert "mlbook_inputs" not in download.metadata["kernelspec"]
    (root / "src" / "mlbook" / "a.py").write_text("VALUE = 5\n")
    second = run()
    assert second.count("Executing notebook") == 1  # page A only
    assert "35" in html.read_text()
    (root / "intro.md").write_text("# No code here, still\n")  # prose: nothing runs
    assert run().count("Executing notebook") == 0


def test_find_root_refuses_a_folder_without_a_book(tmp_path):
    with pytest.raises(BookNotFound, match="--root"):
        build.find_root(tmp_path)


def test_the_full_profile_stops_before_running_anything_without_graphviz_or_node(
    tmp_path, monkeypatch, capsys, myst_page
):
    root = make_book(tmp_path, myst_page)
    monkeypatch.setattr(build.shutil, "which", lambda program: None)
    quick = build.missing_system_requirements("quick")  # only what every page's math needs
    assert len(quick) == 1
    assert "`node` is not installed" in quick[0]
    assert "npm ci" in quick[0]
    assert build.main(["--profile", "full", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "`node` is not installed" in err
    assert "`dot` is not installed" in err
    assert "apt-get install graphviz" in err
    assert "apt-get install chromium" in err  # the full build prints the book's PDF
    assert not (root / "_build" / ".jupyter_cache").exists()  # nothing was executed


@pytest.mark.slow  # a real (toy) Jupyter Book build
def test_a_contradicted_claim_fails_the_build_naming_page_and_sentence(tmp_path, myst_page):
    """Fail the build, naming page and sentence, when the run contradicts a claim.

    The sentence is guarded by mlbook.page.claim (the installed mlbook here).
    """
    (tmp_path / "_config.yml").write_text(TOY_CONFIG)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: ranks\n")
    (tmp_path / "intro.md").write_text("# Intro\n")
    myst_page(
        tmp_path / "ranks.md",
        "from mlbook.page import claim\nforest, tree = 0.81, 0.93",
        'claim(forest > tree, "the forest beats the tree")',
        title="Ranks",
    )
    for jobs in ("1", "2"):  # Sphinx executes the page / the parallel executor does first
        proc = subprocess.run(
            [sys.executable, "-m", "booktools.build", "--profile", "quick", "--jobs", jobs],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0
        assert "ranks.md" in out
        assert "ClaimError" in out
        assert "the forest beats the tree" in out


def test_kernels_draw_inline_whatever_backend_the_caller_set(tmp_path, monkeypatch):
    from booktools.kernels import kernel_env

    monkeypatch.setenv("MPLBACKEND", "Agg")  # as the test suite's own process has
    env = kernel_env(tmp_path, "quick")
    assert env["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"


def test_workers_leave_truncating_the_cache_to_the_parent(tmp_path):
    """jupyter-cache's truncate_caches races between workers (booktools.worker_cache)."""
    import nbformat.v4 as v4
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from booktools.worker_cache import WorkerCache

    cache = get_cache(tmp_path / "cache")
    cache.change_cache_limit(1)
    worker = WorkerCache(cache.path)
    for value in (1, 2):
        nb = v4.new_notebook(cells=[v4.new_code_cell(f"print({value})", execution_count=1)])
        worker.cache_notebook_bundle(CacheBundleIn(nb, f"page_{value}.md"), overwrite=True)
    assert len(cache.list_cache_records()) == 2  # over the limit: the workers left it
    cache.truncate_caches()
    assert [r.uri for r in cache.list_cache_records()] == ["page_2.md"]
