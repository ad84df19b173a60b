"""The build driver: profile folders never share a cache; a library change empties it."""

from pathlib import Path

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
