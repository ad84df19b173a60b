r"""Verdicts that know their noise: compare two results with their uncertainty.

:func:`mlbook.page.claim` checks that a sentence holds in this run, which for a comparison
means the **sign** of a difference. A sign means nothing when the difference is smaller
than the noise of the measurement: on 1 000 test images an accuracy near 90 % has a
standard error of about 0.9 points, so 90.1 % against 90.0 % is a tie whichever way it
falls. This module turns two results and their noise into the verdict a page glues:
"beats", "ties with", "loses to" or "cannot tell from N runs".

Three kinds of evidence, three estimates of the noise (95 % intervals by default):

* :func:`compare_accuracies` -- two accuracies on *n* test examples, errors independent
  (unpaired). Each has standard error :math:`\sqrt{p(1-p)/n}`; the difference has
  :math:`\sqrt{\mathrm{SE}_a^2 + \mathrm{SE}_b^2}`.
* :func:`compare_paired` -- both models scored on the **same** examples: the per-example
  differences :math:`d_i = c^a_i - c^b_i` (1 right, 0 wrong) have mean :math:`\bar d`
  and standard error :math:`s_d/\sqrt{n}`. The examples both get right or both get wrong
  cancel, so a paired comparison sees a consistent small win that unpaired errors hide.
* :func:`compare_runs` -- a few scores over seeds, folds or splits: the mean difference
  with a Student *t* quantile on :math:`k-1` degrees of freedom (paired when run *i* of
  both used the same seed, fold or split; Welch's unpaired test otherwise). With one run
  there is no spread to estimate: the verdict is "cannot tell from 1 run".
* :func:`compare_single_runs` -- one run against one run (two students' numbers), the
  run-to-run spread measured on *k* runs of the same setup: a *t* prediction interval.

A difference whose interval holds zero is a tie. Give ``margin`` (the smallest difference
that would matter) to tell a tie (the whole interval inside :math:`\pm` margin) from
"cannot tell" (the interval is too wide to rule out a difference that matters).

:func:`choose` picks the best of several candidates and refuses scores measured on a test
split: what chooses cannot also score the choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: The verdict words, in the order a page may test them.
WORDS = ("beats", "ties with", "loses to", "cannot tell")

#: Split names that must never choose a model, a setting or a "best" (see :func:`choose`).
TEST_SPLITS = frozenset({"test", "test set", "held-out test", "holdout", "hold-out"})


class SelectionError(ValueError):
    """Something was chosen on the data that then scores it."""


@dataclass(frozen=True)
class Verdict:
    """How result *a* compares with result *b*, with the noise of the comparison.

    ``difference`` is *a* − *b*; ``half_width`` the half width of its ``level``
    interval (``nan`` when the data cannot estimate it); ``n`` how many examples or runs
    the noise was estimated from, counted in ``unit``.
    """

    difference: float
    half_width: float
    n: int
    unit: str
    method: str
    level: float = 0.95
    margin: float | None = None

    @property
    def low(self) -> float:
        """Lower end of the interval of *a* − *b*."""
        return self.difference - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval of *a* − *b*."""
        return self.difference + self.half_width

    @property
    def word(self) -> str:
        """One of :data:`WORDS`: the verdict on *a* against *b*."""
        if not math.isfinite(self.half_width):
            return "cannot tell"
        if self.low > 0:
            return "beats"
        if self.high < 0:
            return "loses to"
        if self.margin is not None and max(-self.low, self.high) >= self.margin:
            return "cannot tell"
        return "ties with"

    @property
    def decided(self) -> bool:
        """True when one result is better beyond the noise ("beats" or "loses to")."""
        return self.word in ("beats", "loses to")

    def __str__(self) -> str:
        """Return the verdict a page glues: 'beats', ..., 'cannot tell from 3 runs'."""
        if self.word == "cannot tell":
            return f"cannot tell from {_count(self.n, self.unit)}"
        return self.word

    def sentence(self, a: str, b: str) -> str:
        """Return the verdict as a clause about *a* and *b*.

        'dropout ties with the baseline'; 'from 3 runs we cannot tell dropout from the
        baseline'.
        """
        if self.word == "cannot tell":
            return f"from {_count(self.n, self.unit)} we cannot tell {a} from {b}"
        return f"{a} {self.word} {b}"

    def interval(self, scale: float = 100, unit: str = "points") -> str:
        """Return the difference and its noise for a reader: '+0.2 ± 0.8 points'.

        *scale* turns the results' units into the reader's (100: shares to percentage
        points). A nonzero difference never prints as zero (:func:`mlbook.typeset.difference`).
        """
        from mlbook.typeset import difference

        diff = difference(self.difference, scale=scale, unit="")
        if not math.isfinite(self.half_width):
            return f"{diff} {unit} (noise unknown from {_count(self.n, self.unit)})".strip()
        if self.half_width == 0:  # e.g. two models right and wrong on the same examples
            return (
                f"{diff} {unit}, with no spread".strip()
                if self.difference
                else (f"0 {unit}: the same result on every one of the {_count(self.n, self.unit)}")
            )
        decimals = _decimals(self.half_width * scale)
        noise = f"{self.half_width * scale:.{decimals}f}"
        if diff.startswith("below"):  # a tiny nonzero difference: say so, then the noise
            return f"a difference {diff} {unit}, ± {noise} {unit}".replace("  ", " ").strip()
        return f"{diff} ± {noise} {unit}".strip()


def standard_error(accuracy: float, n: int) -> float:
    """Return the standard error of an accuracy on *n* independent examples: √(p(1−p)/n)."""
    if n < 1:
        raise ValueError(f"an accuracy needs at least one example, got n={n}")
    if not 0 <= accuracy <= 1:
        raise ValueError(f"an accuracy is a share between 0 and 1, got {accuracy}")
    return math.sqrt(accuracy * (1 - accuracy) / n)


def compare_accuracies(
    acc_a: float,
    acc_b: float,
    n: int,
    n_b: int | None = None,
    *,
    level: float = 0.95,
    margin: float | None = None,
    unit: str = "test examples",
) -> Verdict:
    """Compare two accuracies measured on *n* (and *n_b*) examples, errors independent.

    Use it when only the two accuracies are known; when both models were scored on the
    same examples, :func:`compare_paired` on their per-example results is sharper.
    """
    n_b = n if n_b is None else n_b
    se = math.hypot(standard_error(acc_a, n), standard_error(acc_b, n_b))
    return Verdict(
        acc_a - acc_b,
        _normal_quantile(level) * se,
        min(n, n_b),
        unit,
        "unpaired accuracies",
        level,
        margin,
    )


def compare_paired(
    correct_a: Sequence[bool] | np.ndarray,
    correct_b: Sequence[bool] | np.ndarray,
    *,
    level: float = 0.95,
    margin: float | None = None,
    unit: str = "test examples",
) -> Verdict:
    r"""Compare two models scored on the same examples (1/True where a model was right).

    The difference of accuracies is the mean of the per-example differences
    :math:`d_i`; its standard error is their standard deviation over :math:`\sqrt{n}`.
    Identical predictions give a difference of 0 with no noise: a tie.
    """
    a = np.asarray(correct_a, dtype=float).ravel()
    b = np.asarray(correct_b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(
            f"a paired comparison needs both models' results on the same examples: got "
            f"{a.size} and {b.size} results"
        )
    if a.size < 2:
        raise ValueError(f"a paired comparison needs at least 2 examples, got {a.size}")
    d = a - b
    se = float(d.std(ddof=1) / math.sqrt(d.size))
    return Verdict(
        float(d.mean()),
        _normal_quantile(level) * se,
        int(d.size),
        unit,
        "paired on the same examples",
        level,
        margin,
    )


def compare_runs(
    scores_a: Sequence[float] | np.ndarray,
    scores_b: Sequence[float] | np.ndarray,
    *,
    paired: bool = True,
    level: float = 0.95,
    margin: float | None = None,
    unit: str = "runs",
    test_train_ratio: float | None = None,
) -> Verdict:
    r"""Compare scores over a few seeds, folds or splits with Student *t* quantiles.

    *paired*: run *i* of *a* and of *b* share a seed, fold or split, so the differences
    :math:`a_i - b_i` are compared with zero on :math:`k-1` degrees of freedom. Unpaired,
    Welch's interval (Welch–Satterthwaite degrees of freedom). With fewer than two runs
    (or, unpaired, two runs each) the noise is unknown: "cannot tell from 1 run".

    Folds or resampled splits of **one** data set share training examples, so their
    scores are correlated and the plain interval is too narrow. Pass
    *test_train_ratio* (:math:`n_\text{test}/n_\text{train}` of one split) to widen it
    by Nadeau and Bengio's correction: the variance of the mean difference is
    :math:`s_d^2\,(1/k + n_\text{test}/n_\text{train})` instead of :math:`s_d^2/k`.
    """
    a = np.asarray(scores_a, dtype=float).ravel()
    b = np.asarray(scores_b, dtype=float).ravel()
    if test_train_ratio is not None and not paired:
        raise ValueError("the correction for shared training data applies to paired folds")
    if a.size == 0 or b.size == 0:
        raise ValueError("compare_runs needs at least one score on each side")
    if paired:
        if a.shape != b.shape:
            raise ValueError(
                f"paired runs need the same number of scores on each side: got {a.size} "
                f"and {b.size} (pass paired=False if the runs do not correspond)"
            )
        d = a - b
        k = d.size
        if k < 2:
            return Verdict(float(d.mean()), math.nan, k, unit, "paired runs", level, margin)
        factor = 1 / k + (test_train_ratio or 0.0)
        half = _t_quantile(level, k - 1) * d.std(ddof=1) * math.sqrt(factor)
        return Verdict(float(d.mean()), float(half), k, unit, "paired runs", level, margin)
    k = min(a.size, b.size)
    diff = float(a.mean() - b.mean())
    if k < 2:
        return Verdict(diff, math.nan, k, unit, "unpaired runs", level, margin)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return Verdict(diff, 0.0, k, unit, "unpaired runs", level, margin)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return Verdict(
        diff, float(_t_quantile(level, df) * se), k, unit, "unpaired runs", level, margin
    )


def compare_single_runs(
    score_a: float,
    score_b: float,
    *,
    runs: Sequence[float] | np.ndarray,
    b_is_mean_of_runs: bool = False,
    level: float = 0.95,
    margin: float | None = None,
    unit: str = "runs",
) -> Verdict:
    r"""Compare two single runs, with the run-to-run spread measured on *runs*.

    *runs* are :math:`k` scores of the same setup that differ only by the seed; their
    standard deviation :math:`s` estimates one run's noise. Two independent runs differ
    by :math:`\sqrt{2}\,s` on average, so the interval is
    :math:`\pm\,t_{k-1}\sqrt{2}\,s` (a prediction interval: *s* itself is uncertain
    with few runs). With ``b_is_mean_of_runs`` *b* is the mean of *runs* and the factor
    is :math:`\sqrt{1 + 1/k}`: is one run (someone else's) unusual for this setup?
    """
    r = np.asarray(runs, dtype=float).ravel()
    k = r.size
    diff = float(score_a - score_b)
    if k < 2:
        return Verdict(diff, math.nan, k, unit, "single runs", level, margin)
    factor = math.sqrt(1 + 1 / k) if b_is_mean_of_runs else math.sqrt(2)
    half = _t_quantile(level, k - 1) * float(r.std(ddof=1)) * factor
    return Verdict(diff, half, k, unit, "single runs, spread from other runs", level, margin)


def choose(scores: Mapping[str, float], *, split: str, higher_is_better: bool = True) -> str:
    """Return the candidate with the best score, refusing scores from a test split.

    *split* names the data the scores were measured on ("validation", "cross-validation
    on the training part", ...). A test split raises :class:`SelectionError`: the data
    that chooses cannot also report the choice's score without flattering it.
    """
    if split.strip().lower() in TEST_SPLITS or "test" in split.lower().split():
        raise SelectionError(
            f"Refusing to choose on the {split!r} split: choose on validation data or by "
            "cross-validation on the training part, then score the choice on the test "
            "split once."
        )
    if not scores:
        raise ValueError("choose() needs at least one candidate")
    pick = max if higher_is_better else min
    return pick(scores, key=lambda k: scores[k])


def _count(n: int, unit: str) -> str:
    from mlbook.typeset import plural

    if unit.endswith("s") and n == 1:
        return plural(1, unit[:-1])
    return plural(
        n, unit[:-1] if unit.endswith("s") else unit, unit if unit.endswith("s") else None
    )


def _decimals(x: float) -> int:
    """Decimals that show *x* with at least one significant digit (1 to 3)."""
    for decimals in (1, 2, 3):
        if round(abs(x), decimals) != 0:
            return decimals
    return 3


def _normal_quantile(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def _t_quantile(level: float, df: float) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))
