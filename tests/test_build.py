"""The build driver: profile folders never share a cache; a library change empties it."""

from pathlib import Path

import pytest

from mlbook import build


def make_repo(root: Path) -> Path:
    (root / "src" / "mlbook").mkdir(parents=True)
    (root / "src" / "mlbook" / "x.py").write_text("A = 1\n")
    (root / "requirements.txt").write_text("numpy==2.0\n")
    return root


def test_profiles_have_separate_outputs_and_caches(tmp_path):
    assert build.html_dir("full", tmp_path) == tmp_path / "_build" / "html"
    assert build.cache_dir("full", tmp_path) != build.cache_dir("quick", tmp_path)
    assert build.html_dir("quick", tmp_path).is_relative_to(tmp_path / "_build")


def test_cache_is_emptied_when_the_library_changes(tmp_path):
    root = make_repo(tmp_path)
    assert build.refresh_cache("quick", root) is False  # first build: nothing to empty
    cache = build.cache_dir("quick", root)
    cache.mkdir(parents=True)
    (cache / "entry").write_text("cached")
    doctrees = cache.parent / ".doctrees"
    doctrees.mkdir()
    assert build.refresh_cache("quick", root) is False  # unchanged: kept
    assert (cache / "entry").exists()
    (root / "src" / "mlbook" / "x.py").write_text("A = 2\n")
    assert build.refresh_cache("quick", root) is True
    assert not cache.exists() and not doctrees.exists()  # pages are re-read, so re-executed


def test_build_command_turns_warnings_into_errors(tmp_path):
    cmd = build.command("quick", tmp_path)
    assert "-W" in cmd and "--keep-going" in cmd
    assert cmd[cmd.index("--path-output") + 1] == str(build.build_root("quick", tmp_path))


def make_book(root: Path, myst_page) -> Path:
    make_repo(root)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: good\n- file: bad\n"
    )
    (root / "intro.md").write_text("# No code here\n")
    myst_page(root / "good.md", "print(6 * 7)", title="Good")
    myst_page(root / "bad.md", "1 / 0", title="Bad")
    return root


def test_executed_pages_are_the_toc_pages_with_code(tmp_path, myst_page):
    root = make_book(tmp_path, myst_page)
    assert build.executed_pages(root) == [root / "good.md", root / "bad.md"]


@pytest.mark.slow  # starts two Jupyter kernels
def test_execute_ahead_fills_the_cache_the_build_reads(tmp_path, myst_page):
    """Pages executed ahead, in parallel, are found by myst-nb's own cache lookup (the
    notebook read from the page matches), so the build does not run them again; a
    failing page is reported and left for the build to run and show."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    root = make_book(tmp_path, myst_page)
    failed = build.execute_ahead("quick", root, jobs=2, timeout=60)
    assert failed == [str(root / "bad.md")]
    cache = get_cache(build.cache_dir("quick", root))
    nb = read_myst_markdown_notebook((root / "good.md").read_text())
    _, merged = cache.merge_match_into_notebook(nb)
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "42\n"
    assert build.execute_ahead("quick", root, jobs=2, timeout=60) == [str(root / "bad.md")]


def test_timeout_comes_from_the_config():
    assert build.timeout() >= 60


def test_default_jobs_is_one_per_core_but_capped(monkeypatch):
    monkeypatch.setattr(build.os, "cpu_count", lambda: 64)
    assert build.default_jobs() == build.MAX_DEFAULT_JOBS
    monkeypatch.setattr(build.os, "cpu_count", lambda: None)
    assert build.default_jobs() == 1
