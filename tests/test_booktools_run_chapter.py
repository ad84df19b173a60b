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
def test_names_the_cell_that_raised_the_peak(tmp_path, capsys, myst_page):
    """The author learns which cell to make leaner: 300 MB held for a second, then freed."""
    path = myst_page(
        tmp_path / "01-test.md",
        "x = 1",
        "import time, numpy as np\nbig = np.ones(300 * 2**20 // 8)\ntime.sleep(1)\ndel big",
        "y = 2",
    )
    assert main([str(path), "--profile", "quick"]) == 0
    out = capsys.readouterr().out
    rises = out.split("raised the peak memory most:")[1].splitlines()
    assert "import time, numpy as np" in rises[1]  # the cell, by its first line ...
    rise = float(rises[1].split("+")[1].split("MB")[0])
    assert 250 < rise < 350  # ... and how much it added


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
