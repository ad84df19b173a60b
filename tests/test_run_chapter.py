from pathlib import Path

import pytest

from mlbook.run_chapter import main, run_chapter

FRONT = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter
"""


def chapter(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "01-test.md"
    path.write_text(FRONT + body)
    return path


def test_runs_cells_with_the_profile(tmp_path, capsys):
    path = chapter(
        tmp_path,
        "```{code-cell} ipython3\nimport os\nassert os.environ['MLBOOK_PROFILE'] == 'quick'\n```\n",
    )
    assert main([str(path), "--profile", "quick"]) == 0
    assert "1 code cells" in capsys.readouterr().out
    assert run_chapter(path).peak_mb > 10  # a Python kernel takes tens of MB


def test_reports_the_failing_cell(tmp_path):
    path = chapter(
        tmp_path, "```{code-cell} ipython3\nx = 1\n```\n\n```{code-cell} ipython3\n1 / 0\n```\n"
    )
    result = run_chapter(path)
    assert result.error and "ZeroDivisionError" in result.error
    assert len(result.cells) == 2


def test_a_page_without_kernelspec_is_refused(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("---\ntitle: x\n---\n# x\n")
    with pytest.raises(ValueError, match="kernelspec"):
        run_chapter(path)
