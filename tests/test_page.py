import re

import numpy as np
import pytest

from mlbook import page


def test_record_has_every_field(monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    run = page.start(tensorflow=False)
    run.uses("a source")
    run.uses("a source")
    rec = run.record()
    assert set(rec) == {
        "page_profile",
        "page_seconds",
        "page_peak_mb",
        "page_hardware",
        "page_date",
        "page_versions",
        "page_data",
    }
    assert rec["page_profile"] == "quick"
    assert rec["page_data"] == "a source"  # recorded once
    assert rec["page_seconds"] >= 0
    assert re.match(r"\d+ CPU cores", rec["page_hardware"])
    assert "NumPy" in rec["page_versions"]


PEAK = """
import numpy as np
import psutil
from mlbook.page import peak_memory_mb
block = np.ones(400 * 2**20 // 8)  # 400 MiB, written
del block
print(peak_memory_mb(), psutil.Process().memory_info().rss / 2**20)
"""


def test_peak_memory_is_the_high_water_mark():
    """An array freed again still counts: the peak, not the current size (fresh process)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", PEAK], capture_output=True, text=True, check=True)
    peak, now = map(float, out.stdout.split())
    assert peak > 400 + now - 50  # the freed block is in the peak ...
    assert now < 300  # ... and no longer in the process


STARTED_BY_A_BIG_PROCESS = """
import subprocess, sys
import numpy as np
held = np.ones(400 * 2**20 // 8)  # the build process that starts a kernel: 400 MiB
code = "from mlbook.page import peak_memory_mb; print(peak_memory_mb())"
print(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
"""


def test_peak_memory_is_the_kernels_own():
    """Not its parent's: ``ru_maxrss`` read 425 MiB here for a 25 MiB process."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", STARTED_BY_A_BIG_PROCESS], capture_output=True, text=True
    )
    assert 10 < float(out.stdout) < 200, out.stderr


def test_finish_glues_the_record(monkeypatch):
    glued = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda k, v, display=True: glued.__setitem__(k, v))
    rec = page.start(tensorflow=False).finish()
    assert glued == rec


def test_a_true_claim_is_silent(capsys):
    assert page.claim(3 > 2, "three beats two") is None
    assert page.claim(np.float64(0.9) > 0.5, "numpy verdicts count") is None
    assert capsys.readouterr() == ("", "")


def test_a_false_claim_quotes_the_sentence():
    with pytest.raises(page.ClaimError, match="“the forest beats the tree”"):
        page.claim(0.81 > 0.93, "the forest beats the tree")


def test_a_claim_needs_a_verdict_not_a_number():
    with pytest.raises(TypeError, match="True/False"):
        page.claim(0.93, "an accuracy is not a verdict")


def test_finish_fails_on_a_figure_the_reader_cannot_read():
    from mlbook.profile import get_profile

    run = page.Page(profile=get_profile(), seed=0)
    run.figure_problems.append("figure 'x': 3 text(s) smaller than 11 px")
    with pytest.raises(page.FigureError, match="smaller than 11 px"):
        run.finish()


def test_watching_figures_needs_a_kernel():
    from mlbook.profile import get_profile

    assert page.watch_figures(page.Page(profile=get_profile(), seed=0)) is False
