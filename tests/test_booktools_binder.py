"""The Binder rehearsal (``make binder-check``): its environment, verdicts and table."""

from __future__ import annotations

import json

import pytest

from booktools import binder
from booktools.toc import executed_pages
from conftest import ROOT


def test_the_environment_is_binders_not_makes(tmp_path, monkeypatch):
    """``make`` exports MLBOOK_PROFILE=full; Binder has none, so ``start`` picks quick."""
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    monkeypatch.setenv("MLBOOK_DATA_HOME", "/somewhere")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("PYTHONPATH", "src")
    env = binder.environment(ROOT, tmp_path)
    assert not [k for k in env if k.startswith(("MLBOOK_", "TF_")) or k == "PYTHONPATH"]
    assert env["HOME"] == str(tmp_path / "home")
    assert env["PATH"].startswith(str(tmp_path / "venv" / "bin"))


def test_datasets_are_forgotten_between_chapters(tmp_path):
    cached = [tmp_path / ".cache" / "mlbook" / "mnist.npz", tmp_path / ".keras" / "x" / "y"]
    for path in cached:
        path.parent.mkdir(parents=True)
        path.write_text("data")
    (tmp_path / ".jupyter").mkdir()  # what postBuild wrote stays
    binder.forget_datasets(tmp_path)
    assert not any(p.exists() for p in cached)
    assert (tmp_path / ".jupyter").exists()


def result(**changes) -> dict:
    base = {
        "seconds": 10.0,
        "peak_mb": 900.0,
        "error": None,
        "peak_cell": "cell 3: model.fit(...)",
        "profile": "quick",
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, "ok"),
        ({"peak_mb": binder.LIMIT_MB + 1}, "over 1536 MB (most in cell 3: model.fit(...))"),
        ({"profile": "full"}, "ran in the 'full' profile"),
        ({"error": "NameError: x"}, "error: NameError: x"),
    ],
)
def test_status(changes, verdict):
    assert binder.status(result(**changes)).startswith(verdict)


def test_the_committed_table_covers_every_chapter_within_the_limit():
    """``book/appendix/binder-memory.json`` (shown in the appendix) is complete and green.

    Re-measure with ``make binder-check`` after changing what a chapter runs.
    """
    table = json.loads((ROOT / binder.RESULT).read_text())
    pages = [row["page"] for row in table["pages"]]
    assert pages == [p.relative_to(ROOT).as_posix() for p in executed_pages(ROOT)]
    over = {row["page"]: row["peak_mb"] for row in table["pages"] if row["peak_mb"] > 1536}
    assert not over, f"over the limit on Binder: {over}; make the chapter leaner"
    assert table["measured"]["limit_mb"] == binder.LIMIT_MB
    assert all(row["peak_mb"] > 100 for row in table["pages"])  # measured, not typed
