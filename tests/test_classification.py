import warnings
from itertools import pairwise

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score

from mlbook import classification as cl


@pytest.fixture(scope="module")
def cancer():
    return cl.load_data()


@pytest.fixture(scope="module")
def seed_run(cancer):
    return cl.seed_cross_validation(*cancer, cv=3)


def test_load_data(cancer):
    X, y = cancer
    assert X.shape == (569, 30)
    assert set(y.unique()) == {0, 1}


def test_seed_logistic_regression_does_not_converge_on_unscaled_data(seed_run):
    scores, messages = seed_run
    assert scores.shape == (3,)
    assert messages
    assert all(m.startswith("ConvergenceWarning") for m in messages)


def test_scaled_pipeline_converges_and_is_more_accurate(cancer, seed_run):
    X, y = cancer
    seed_scores, _ = seed_run
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any ConvergenceWarning fails the test
        scores = cross_val_score(cl.scaled_logistic(), X, y, cv=3)
    assert scores.mean() > seed_scores.mean()


def test_grid_search_table_and_validation_display(cancer):
    X, y = cancer
    Cs = np.array([1e-3, 1.0, 1e3])
    search = cl.grid_search_C(X, y, Cs, cv=3)
    table = cl.search_table(search)
    assert table["C"].tolist() == Cs.tolist()
    assert search.best_params_["logisticregression__C"] == 1.0  # the extremes under/over-fit
    # a weaker penalty (larger C) always fits the training folds at least as well
    assert table["train accuracy"].is_monotonic_increasing
    disp = cl.validation_display(search)
    assert disp.train_scores.shape == disp.test_scores.shape == (3, 3)
    np.testing.assert_allclose(disp.test_scores.mean(axis=1), table["CV accuracy"])


def test_malignant_probability_is_the_malignant_column_and_matches_predict(cancer):
    X, y = cancer
    model = cl.scaled_logistic().fit(X, y)
    p = cl.malignant_probability(model, X)
    assert p.shape == (len(y),)
    np.testing.assert_allclose(p, model.predict_proba(X)[:, 0])  # class 0 = malignant
    # predict says "malignant" exactly when that probability is at least one half
    np.testing.assert_array_equal(model.predict(X) == cl.MALIGNANT, p >= 0.5)


def test_threshold_table_counts():
    y = np.array([0, 0, 0, 1, 1, 1, 1])  # three malignant, four benign
    p = np.array([0.9, 0.6, 0.2, 0.7, 0.3, 0.1, 0.05])
    table = cl.threshold_table(y, p, [0.5, 0.15]).set_index("threshold")
    half, low = table.loc[0.5], table.loc[0.15]
    assert (half["malignant found"], half["malignant missed"], half["false alarms"]) == (2, 1, 1)
    assert half["recall"] == pytest.approx(2 / 3)
    assert half["precision"] == pytest.approx(2 / 3)
    assert half["accuracy"] == pytest.approx(5 / 7)
    assert (low["malignant found"], low["malignant missed"], low["false alarms"]) == (3, 0, 2)


def test_lower_threshold_never_finds_fewer_and_never_alarms_less():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.6 * (y == 0) + rng.normal(0.2, 0.2, 200), 0, 1)
    table = cl.threshold_table(y, p, np.linspace(1, 0, 21))
    assert table["malignant found"].is_monotonic_increasing
    assert table["false alarms"].is_monotonic_increasing


@pytest.mark.parametrize("target", [0.5, 0.8, 0.95, 1.0])
def test_threshold_for_recall_is_the_highest_that_reaches_the_target(target):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = rng.uniform(size=300)
    t = cl.threshold_for_recall(y, p, target)
    recall = cl.threshold_table(y, p, [t])["recall"].iloc[0]
    assert recall >= target
    # any higher threshold (the next malignant score up) misses the target
    above = np.sort(p[(y == cl.MALIGNANT) & (p > t)])
    if len(above):
        assert cl.threshold_table(y, p, [above[0]])["recall"].iloc[0] < target


def test_threshold_for_recall_needs_a_malignant_tumour():
    with pytest.raises(ValueError, match="no malignant"):
        cl.threshold_for_recall(np.ones(5), np.linspace(0, 1, 5), 0.9)


# --- the logistic loss, ROC by counting -----------------------------------------------


def test_fit_logistic_by_hand_minimises_what_logistic_regression_minimises():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X @ np.array([1.5, -1.0, 0.5]) + rng.normal(0, 1, 120) > 0).astype(int)
    s = np.where(y == 1, 1.0, -1.0)
    for C in (0.1, 10.0):
        ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
        b, w = cl.fit_logistic_by_hand(X, s, C=C)
        np.testing.assert_allclose(w, ref.coef_[0], atol=1e-4)
        assert b == pytest.approx(ref.intercept_[0], abs=1e-4)
        J = cl.logistic_objective(w, b, X, s, C)
        assert J <= cl.logistic_objective(ref.coef_[0], ref.intercept_[0], X, s, C) + 1e-8
    # a smaller C shrinks the weights (the penalty wins)
    assert np.linalg.norm(cl.fit_logistic_by_hand(X, s, C=0.01)[1]) < np.linalg.norm(w)


def test_logistic_objective_by_hand_on_one_point():
    # w = 0, b = 0: the loss of one example is log 2, times C
    assert cl.logistic_objective(np.zeros(2), 0.0, np.ones((1, 2)), np.array([1.0]), C=3) == (
        pytest.approx(3 * np.log(2))
    )


def test_roc_points_and_auc_by_pairs_match_scikit_learn():
    from sklearn.metrics import roc_auc_score, roc_curve

    rng = np.random.default_rng(2)
    positive = rng.integers(0, 2, 80).astype(bool)
    scores = np.round(rng.uniform(size=80) + 0.4 * positive, 2)  # ties included
    fpr, tpr, thresholds = cl.roc_points(positive, scores)
    fpr_sk, tpr_sk, thr_sk = roc_curve(positive, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_sk)
    np.testing.assert_allclose(tpr, tpr_sk)
    np.testing.assert_allclose(thresholds[1:], thr_sk[1:])
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert cl.auc_by_pairs(positive, scores) == pytest.approx(roc_auc_score(positive, scores))
    assert cl.auc_by_pairs([True, False], [0.2, 0.2]) == 0.5  # a tie counts one half


def test_draw_threshold_roc_marks_one_line_and_one_point_per_threshold():
    import matplotlib.pyplot as plt

    positive = np.array([True] * 5 + [False] * 5)
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.6, 0.2, 0.1, 0.1, 0.05])
    fig = cl.draw_threshold_roc(positive, scores, [0.5, 0.25], names=("malignant", "benign"))
    ax_hist, ax_roc = fig.axes
    vlines = [line for line in ax_hist.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in vlines] == [0.5, 0.25]
    marked = [line for line in ax_roc.lines if line.get_marker() == "o"]
    # threshold 0.5: 3 of 5 malignant and 1 of 5 benign flagged
    assert (marked[0].get_xdata()[0], marked[0].get_ydata()[0]) == (0.2, 0.6)
    assert [t.get_text() for t in ax_roc.texts] == ["threshold 0.50", "threshold 0.25"]
    assert [t.get_text() for t in ax_hist.get_legend().get_texts()] == ["malignant", "benign"]
    plt.close(fig)


# --- support vector machines ------------------------------------------------------------


def test_margin_of_two_points_is_their_distance():
    svm = cl.linear_svm(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([0, 1]), C=1e6)
    np.testing.assert_allclose(svm.coef_[0], [6 / 25, 8 / 25], atol=1e-6)
    assert cl.margin_width(svm) == pytest.approx(5)


def test_support_vectors_are_the_examples_on_or_inside_the_margin():
    X, y = cl.make_two_blobs()
    s = np.where(y == 1, 1.0, -1.0)
    widths = {}
    for C in (100.0, 0.1):
        svm = cl.linear_svm(X, y, C=C)
        inside = s * svm.decision_function(X) <= 1 + 1e-3
        assert set(np.flatnonzero(inside)) == set(svm.support_)
        widths[C] = cl.margin_width(svm)
        # only the support vectors matter: refitting on them alone gives the same line
        again = cl.linear_svm(X[svm.support_], y[svm.support_], C=C)
        np.testing.assert_allclose(again.coef_, svm.coef_, atol=1e-3)
    assert widths[0.1] > widths[100.0]  # a smaller C, a wider margin


def test_draw_margin_draws_three_lines_the_circled_support_vectors_and_the_width():
    import matplotlib.pyplot as plt

    X, y = cl.make_two_blobs()
    svm = cl.linear_svm(X, y, C=0.1)
    ax = cl.draw_margin(svm, X, y)
    contour = next(c for c in ax.collections if hasattr(c, "levels"))
    assert list(contour.levels) == [-1, 0, 1]
    from matplotlib.collections import PathCollection

    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(c.get_offsets()) for c in scatters[:2]] == [(y == 0).sum(), (y == 1).sum()]
    circles = scatters[2]  # after the two classes
    assert len(circles.get_offsets()) == len(svm.support_)
    arrows = [t for t in ax.texts if type(t).__name__ == "Annotation"]
    assert len(arrows) == 1
    # the double arrow spans the margin: its length is 2 / ||w||
    length = np.linalg.norm(np.subtract(arrows[0].xy, arrows[0].xyann))
    assert length == pytest.approx(cl.margin_width(svm))
    assert ax.get_title() == (
        f"C = 0.1: margin {cl.margin_width(svm):.2f}\n{len(svm.support_)} support vectors"
    )
    plt.close(ax.figure)


def test_rbf_decision_by_hand_matches_svc_and_the_kernel_beats_a_line():
    from sklearn.metrics.pairwise import rbf_kernel
    from sklearn.svm import SVC

    X, y = cl.make_rings(120)
    np.testing.assert_allclose(cl.rbf_kernel(X[:5], X, 0.7), rbf_kernel(X[:5], X, gamma=0.7))
    rbf = SVC(kernel="rbf", gamma=1.0).fit(X, y)
    np.testing.assert_allclose(cl.svm_decision_by_hand(rbf, X), rbf.decision_function(X))
    assert rbf.score(X, y) > 0.95
    assert SVC(kernel="linear").fit(X, y).score(X, y) < 0.75


def test_draw_kernels_one_panel_per_model_with_its_accuracy():
    import matplotlib.pyplot as plt
    from sklearn.svm import SVC

    X, y = cl.make_rings(80)
    models = {
        "linear kernel": SVC(kernel="linear").fit(X, y),
        "RBF kernel": SVC(gamma=1.0).fit(X, y),
    }
    fig = cl.draw_kernels(models, X, y)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [f"{name}: {m.score(X, y):.1%} right" for name, m in models.items()]
    plt.close(fig)


def test_svm_grid_search_scales_and_tunes_C_and_gamma(cancer):
    X, y = cancer
    search = cl.svm_grid_search(X, y, Cs=(1.0, 10.0), gammas=(0.01, 10.0), cv=3)
    assert search.best_estimator_[0].__class__.__name__ == "StandardScaler"
    assert search.best_params_["svc__gamma"] == 0.01  # gamma = 10 memorises
    table = cl.svm_search_table(search)
    assert table.shape == (2, 2)
    assert list(table.columns) == ["gamma = 0.01", "gamma = 10"]
    assert (table["gamma = 10"] < table["gamma = 0.01"]).all()


def test_fit_times_and_growth_exponent():
    times = cl.fit_times(cl.scaled_svc, (100, 200), repeats=1)
    assert list(times.index) == [100, 200]
    assert (times > 0).all()
    assert cl.scaled_svc()[-1].kernel == "rbf"
    n = np.array([100, 200, 400, 800])
    k, noise = cl.growth_exponent(n, 3e-6 * n**2.0)
    assert k == pytest.approx(2.0)
    assert noise == pytest.approx(0.0, abs=1e-9)  # an exact power law has no scatter
    k, noise = cl.growth_exponent(n, 0.01 * n * np.array([1.0, 1.1, 0.9, 1.0]))
    assert abs(k - 1.0) < 0.1
    assert 0 < noise < 1  # scatter widens the interval
    # a constant time (a fit that is all fixed cost) gives an exponent of zero
    assert cl.growth_exponent(n, np.full(4, 0.005))[0] == pytest.approx(0.0, abs=1e-12)


@pytest.fixture(scope="module")
def threshold_frames():
    """Make a small noisy problem (label 0 positive, as in the chapter) and its frames."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    y = np.repeat([cl.MALIGNANT, 1], [30, 50])
    p = np.clip(np.where(y == cl.MALIGNANT, 0.65, 0.35) + rng.normal(0, 0.2, len(y)), 0, 1)
    thresholds = (0.1, 0.3, 0.5, 0.7, 0.9)
    frames, rows = cl.explore_thresholds(y, p, thresholds)
    yield y, p, thresholds, frames, rows
    plt.close("all")


def test_explore_thresholds_rows_count_every_example_and_match_confusion_matrix(
    threshold_frames,
):
    from sklearn.metrics import confusion_matrix

    y, p, thresholds, frames, rows = threshold_frames
    assert len(frames) == len(rows) == len(thresholds)
    assert [r["threshold"] for r in rows] == list(thresholds)
    for r in rows:
        assert r["tp"] + r["fp"] + r["fn"] + r["tn"] == len(y)
        assert r["tp"] + r["fn"] == np.sum(y == cl.MALIGNANT)
        assert r["recall"] == pytest.approx(r["tp"] / (r["tp"] + r["fn"]))
        assert r["precision"] == pytest.approx(r["tp"] / (r["tp"] + r["fp"]))
        assert r["fpr"] == pytest.approx(r["fp"] / (r["fp"] + r["tn"]))
    recall = [r["recall"] for r in rows]
    fp = [r["fp"] for r in rows]
    assert all(a >= b for a, b in pairwise(recall))  # higher threshold, fewer found
    assert all(a >= b for a, b in pairwise(fp))
    assert recall[0] > recall[-1]  # the data are noisy enough that the thresholds matter
    half = rows[thresholds.index(0.5)]
    predicted = np.where(p >= 0.5, cl.MALIGNANT, 1)
    (tp, fn), (fp5, tn) = confusion_matrix(y, predicted, labels=[cl.MALIGNANT, 1])
    assert (half["tp"], half["fn"], half["fp"], half["tn"]) == (tp, fn, fp5, tn)
    # the same counts as the chapter's threshold_table
    table = cl.threshold_table(y, p, thresholds)
    assert table["malignant found"].tolist() == [r["tp"] for r in rows]
    assert table["false alarms"].tolist() == fp


def test_explore_thresholds_frames_are_titled_marked_and_legible(threshold_frames):
    import matplotlib.pyplot as plt

    from mlbook.plotting import figure_problems, use_book_style

    y, p, thresholds, _, _ = threshold_frames
    with plt.rc_context():  # the book's style, as on the page, for this test only
        use_book_style()
        frames, rows = cl.explore_thresholds(y, p, thresholds[:2])
    for fig, r in zip(frames, rows, strict=True):
        assert fig.get_suptitle().startswith(f"Threshold {r['threshold']:g}")
        ax_cm, ax_roc, ax_pr = fig.axes
        assert (ax_cm.get_xlabel(), ax_cm.get_ylabel()) == ("predicted", "true")
        assert ax_roc.get_xlabel() == "false-positive rate"
        assert (ax_pr.get_xlabel(), ax_pr.get_ylabel()) == ("recall", "precision")
        # the red dot of this threshold on each curve
        assert tuple(ax_roc.lines[-1].get_xydata()[0]) == (r["fpr"], r["recall"])
        assert tuple(ax_pr.lines[-1].get_xydata()[0]) == (r["recall"], r["precision"])
        assert figure_problems(fig) == []
        plt.close(fig)


def test_explore_thresholds_frames_have_one_size_and_make_a_player(threshold_frames):
    from mlbook import explorable

    _, _, thresholds, frames, rows = threshold_frames
    pngs = [explorable.frame_png(fig) for fig in frames]
    assert {explorable.png_size(png) for png in pngs} == {
        (8 * explorable.FRAME_DPI, round(3.4 * explorable.FRAME_DPI))
    }
    box = explorable.frames_player(
        pngs,
        [f"{t:g}" for t in thresholds],
        [f"threshold {r['threshold']:g}: recall {r['recall']:.0%}" for r in rows],
        name="threshold",
        description="threshold",
        start=thresholds.index(0.5),
    )
    assert box.children[0].index == 2
    assert len(box.children[2].children) == len(thresholds)


def test_explore_thresholds_with_nothing_flagged_has_no_precision():
    import matplotlib.pyplot as plt

    y = np.array([cl.MALIGNANT, cl.MALIGNANT, 1, 1])
    frames, rows = cl.explore_thresholds(y, [0.9, 0.6, 0.4, 0.1], [0.5, 0.95])
    assert rows[1]["tp"] + rows[1]["fp"] == 0
    assert np.isnan(rows[1]["precision"])
    assert rows[1]["recall"] == 0.0
    assert rows[0]["precision"] == rows[0]["recall"] == 1.0
    for fig in frames:
        plt.close(fig)
