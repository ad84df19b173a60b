import pytest

from booktools.run_chapter import main, run_chapter


@pytest.mark.slow  # starts two Jupyter kernels
def test_runs_cells_with_the_profile(tmp_path, capsys, myst_page):
    path = myst_page(
        tmp_path / "01-test.md", "import os\nassert os.environ['MLBOOK_PROFILE'] == 'quick'"
    )
    assert main([str(path), "--profile", "quick"]) == 0
    assert "1 code cells" in capsys.readouterr().out
    assert run_chapter(path).peak_mb > 10  # a Python kernel takes tens of MB


@pytest.mark.slow  # starts a Jupyter kernel
def test_reports_the_failing_cell(tmp_path, myst_page):
    path = myst_page(tmp_path / "01-test.md", "x = 1", "1 / 0")
    result = run_chapter(path)
    assert result.error
    assert "ZeroDivisionError" in result.error
    assert len(result.cells) == 2


def test_a_page_without_kernelspec_is_refused(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("---\ntitle: x\n---\n# x\n")
    with pytest.raises(ValueError, match="kernelspec"):
        run_chapter(path)
