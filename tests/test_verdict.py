import math

import numpy as np
import pytest
from scipy import stats

from mlbook import typeset
from mlbook.verdict import (
    SelectionError,
    choose,
    compare_accuracies,
    compare_paired,
    compare_runs,
    compare_single_runs,
    standard_error,
)


def test_the_arithmetic_on_a_worked_example():
    # 90 % right on 1 000 images: SE = sqrt(0.9 * 0.1 / 1000) = 0.009487
    assert standard_error(0.9, 1000) == pytest.approx(0.0094868, rel=1e-4)
    # 92 % vs 90 % on 1 000 images each: SE of the difference
    # sqrt(0.92*0.08/1000 + 0.9*0.1/1000) = sqrt(1.636e-4) = 0.012791, 95 % half width
    # 1.96 * 0.012791 = 0.02507 > 0.02: within the noise
    v = compare_accuracies(0.92, 0.90, 1000)
    assert v.difference == pytest.approx(0.02)
    assert v.half_width == pytest.approx(1.959964 * 0.0127906, rel=1e-4)
    assert v.word == "ties with"
    assert v.interval() == "+2.0 ± 2.5 points"
    assert v.sentence("Adam", "SGD") == "Adam ties with SGD"


def test_a_true_tie_is_a_tie_in_either_order():
    assert compare_accuracies(0.901, 0.900, 1000).word == "ties with"
    assert compare_accuracies(0.900, 0.901, 1000).word == "ties with"


def test_a_clear_win_and_its_mirror():
    v = compare_accuracies(0.95, 0.80, 1000)
    assert (v.word, str(v), v.decided) == ("beats", "beats", True)
    assert v.low > 0
    assert compare_accuracies(0.80, 0.95, 1000).word == "loses to"


def test_a_paired_win_that_unpaired_errors_miss():
    # Both right on the same 900 of 1 000 examples; a also gets 15 that b misses.
    a = np.zeros(1000, bool)
    b = np.zeros(1000, bool)
    a[:915] = True
    b[:900] = True
    unpaired = compare_accuracies(a.mean(), b.mean(), a.size)
    paired = compare_paired(a, b)
    assert unpaired.difference == pytest.approx(paired.difference) == pytest.approx(0.015)
    assert unpaired.word == "ties with"
    assert paired.word == "beats"
    # the paired noise agrees with McNemar's exact test on the 15 discordant examples
    assert stats.binomtest(15, 15).pvalue < 0.05


def test_identical_predictions_tie_with_no_noise():
    v = compare_paired([1, 0, 1, 1], [1, 0, 1, 1])
    assert (v.difference, v.half_width, v.word) == (0.0, 0.0, "ties with")
    assert v.interval() == "0 points: the same result on every one of the 4 test examples"


@pytest.mark.parametrize("seed", range(5))
def test_runs_agree_with_scipys_t_tests(seed):
    rng = np.random.default_rng(seed)
    a = 0.9 + rng.normal(0, 0.01, 4)
    b = 0.9 + rng.normal(0.01 * seed - 0.02, 0.01, 4)
    paired = compare_runs(a, b)
    assert paired.decided == (stats.ttest_rel(a, b).pvalue < 0.05)
    welch = compare_runs(a, b, paired=False)
    assert welch.decided == (stats.ttest_ind(a, b, equal_var=False).pvalue < 0.05)


def test_few_runs_widen_the_interval_with_t_quantiles():
    # 3 paired runs: t(0.975, 2) = 4.30, not 1.96
    a, b = [0.91, 0.92, 0.93], [0.90, 0.905, 0.915]
    v = compare_runs(a, b)
    sd = np.std(np.subtract(a, b), ddof=1)
    assert v.half_width == pytest.approx(4.302653 * sd / math.sqrt(3), rel=1e-5)
    assert v.word == "beats"


def test_one_run_cannot_tell():
    v = compare_runs([0.95], [0.80])
    assert v.word == "cannot tell"
    assert str(v) == "cannot tell from 1 run"
    assert v.sentence("dropout", "the baseline") == (
        "from 1 run we cannot tell dropout from the baseline"
    )
    assert "noise unknown" in v.interval()


def test_a_margin_tells_a_tie_from_too_little_data():
    wide = compare_runs([0.90, 0.95], [0.92, 0.91], margin=0.01)
    assert str(wide) == "cannot tell from 2 runs"
    narrow = compare_accuracies(0.9001, 0.9, 10**7, margin=0.01)
    assert narrow.word == "ties with"


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="same examples"):
        compare_paired([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="paired=False"):
        compare_runs([0.9, 0.8], [0.9])
    with pytest.raises(ValueError, match="between 0 and 1"):
        standard_error(91.0, 100)


def test_choose_picks_on_validation_and_refuses_the_test_split():
    val = {"dropout": 0.97, "L2": 0.975, "baseline": 0.96}
    assert choose(val, split="validation") == "L2"
    assert choose({"a": 3.0, "b": 2.0}, split="cross-validation", higher_is_better=False) == "b"
    for split in ("test", "Test set", "held-out test"):
        with pytest.raises(SelectionError, match="score the choice on the test split once"):
            choose(val, split=split)


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (0.0123, "+1.2 points"),
        (-0.0004, "\u22120.04 points"),
        (0.00004, "below 0.01 points"),
        (0.0, "0 points"),
        (0.05, "+5.0 points"),
    ],
)
def test_a_nonzero_difference_never_prints_as_zero(d, text):
    assert typeset.difference(d) == text


def test_folds_of_one_data_set_widen_the_interval_by_nadeau_bengio():
    # 5 folds: each trains on 4/5, tests on 1/5 -> ratio 1/4; the variance factor is
    # 1/5 + 1/4 = 0.45 instead of 0.2, so the half width grows by sqrt(0.45 / 0.2) = 1.5
    a = [0.95, 0.96, 0.94, 0.97, 0.95]
    b = [0.93, 0.95, 0.93, 0.94, 0.94]
    plain = compare_runs(a, b)
    corrected = compare_runs(a, b, test_train_ratio=0.25)
    assert corrected.half_width == pytest.approx(1.5 * plain.half_width)
    # the plain interval calls a win that the correlated folds do not support
    assert (plain.word, corrected.word) == ("beats", "ties with")
    with pytest.raises(ValueError, match="paired folds"):
        compare_runs(a, b, paired=False, test_train_ratio=0.25)


def test_two_single_runs_use_a_t_prediction_interval_from_the_seed_spread():
    # The students' exercise: 97.4 % and 97.7 %, sigma from 3 seeds of the same setup.
    runs = [0.9790, 0.9783, 0.9797]
    s = np.std(runs, ddof=1)
    v = compare_single_runs(0.977, 0.974, runs=runs, unit="seeds")
    assert v.half_width == pytest.approx(stats.t.ppf(0.975, 2) * math.sqrt(2) * s)
    assert v.difference == pytest.approx(0.003)
    assert v.word == "ties with"  # 3 standard deviations, but t(2) needs 4.3
    assert 0.3 / (math.sqrt(2) * s * 100) > 3  # a normal-quantile reading would say "beats"
    # with many runs behind the same sigma the t quantile approaches 1.96: decided
    many = np.resize(runs, 60)
    assert compare_single_runs(0.977, 0.974, runs=many).word == "beats"


def test_one_run_against_the_mean_of_others_and_too_few_runs():
    runs = [0.970, 0.972, 0.974, 0.976]
    v = compare_single_runs(0.9794, np.mean(runs), runs=runs, b_is_mean_of_runs=True)
    sd = np.std(runs, ddof=1)
    assert v.half_width == pytest.approx(stats.t.ppf(0.975, 3) * sd * math.sqrt(1.25))
    assert v.word == "ties with"
    assert compare_single_runs(0.99, 0.97, runs=[0.97]).word == "cannot tell"


def test_a_tiny_difference_reads_as_tiny_beside_a_wide_interval():
    v = compare_runs([0.50003, 0.7, 0.3], [0.5, 0.70001, 0.29999])
    text = v.interval()
    assert text.startswith("a difference below 0.01 points, ± ")
    assert text.endswith(" points")
    assert "below 0.01 ±" not in text
