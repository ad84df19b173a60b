import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from mlbook import semi_supervised as ss


@pytest.fixture(scope="module")
def seed_run():
    return ss.run_seed_example()


@pytest.fixture(scope="module")
def blobs():
    # well-separated clusters: the setting where unlabelled points help
    return make_blobs(n_samples=300, centers=3, cluster_std=0.5, random_state=1)


def test_seed_fit_sees_only_the_labelled_points(seed_run):
    assert seed_run["n_fitted"] == 100  # the 900 unlabelled points never enter


def test_seed_predicted_labels_are_empty(seed_run):
    assert seed_run["n_transduction"] == 100
    assert seed_run["n_predicted"] == 0  # transduction_[100:] of a 100-point fit


def test_seed_accuracy_is_training_accuracy(seed_run):
    assert seed_run["reported_accuracy"] == 1.0
    assert seed_run["unlabeled_accuracy"] < 0.9  # the number that matters is lower
    right = seed_run["unlabeled_correct"]
    assert right.shape == (900,)
    assert right.mean() == seed_run["unlabeled_accuracy"]


def test_seed_default_rbf_kernel_gives_nan_probabilities(seed_run):
    assert seed_run["nan_rows"] > 0
    assert any("invalid value" in w for w in seed_run["warnings"])
    X, _ = ss.notes_data()
    assert np.exp(-20 * ss.median_squared_distance(X)) == 0.0  # a typical similarity underflows


def test_seed_report_is_typeset_text(seed_run):
    report = ss.seed_report(seed_run)
    values = report["value"]
    assert len(report) == 7
    assert values.map(type).eq(str).all()
    assert values.iloc[0].endswith(" %")
    assert values.iloc[4].endswith(" %")
    assert values["rows the model was fitted on (model.X_)"] == "100"
    assert values["entries of predicted_labels (transduction_[100:])"] == "0"
    assert "np.float" not in "".join(values)


def test_hide_labels_keeps_a_stratified_subset(blobs):
    _, y = blobs
    y_partial = ss.hide_labels(y, 30, seed=1)
    kept = y_partial != ss.UNLABELED
    assert kept.sum() == 30
    assert set(np.bincount(y_partial[kept])) == {10}
    np.testing.assert_array_equal(y_partial[kept], y[kept])


def test_one_transductive_fit_labels_every_point_and_beats_the_seed_way(blobs):
    X, y = blobs
    y_partial = ss.hide_labels(y, 6, seed=0)
    for kind, at_least in (("propagation", 0.95), ("spreading", 0.75)):
        acc, transduction = ss.transductive_accuracy(
            ss.semi_supervised(kind, scale=True), X, y, y_partial
        )
        assert transduction.shape == y.shape  # a label for every point
        assert acc > at_least  # from 2 labels per cluster
    with pytest.raises(ValueError, match="kind"):
        ss.semi_supervised("magic")


def test_unlabelled_points_help_when_labels_are_scarce():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    y_partial = ss.hide_labels(y, 20, seed=0)
    semi, _ = ss.transductive_accuracy(ss.semi_supervised(), X, y, y_partial)
    sup = ss.supervised_accuracy(ss.supervised(), X, y, y_partial)
    assert semi > sup + 0.05


def test_label_fraction_curve_long_format(blobs):
    X, y = blobs
    curve = ss.label_fraction_curve(X, y, (0.02, 0.1), repeats=2)
    assert len(curve) == 2 * 2 * 2
    assert set(curve["model"]) == {"label spreading (all points)", "SVC (labelled points only)"}
    assert curve["labels"].min() >= 3  # at least one label per class
    assert curve["accuracy"].between(0, 1).all()


def test_plot_confusion_pair_raw_and_normalised():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    fig = ss.plot_confusion_pair(y_true, y_pred, title="t")
    raw, norm = fig.axes[:2]
    assert {t.get_text() for t in raw.texts} >= {"1", "2"}
    assert "67%" in {t.get_text() for t in norm.texts}  # 2 of the 3 ones
    plt.close(fig)


def test_spreading_matrix_is_symmetric_normalised_rbf():
    X = np.array([[0.0], [1.0], [2.0]])
    S = ss.spreading_matrix(X, gamma=np.log(2))
    # W = [[0, 1/2, 1/16], [1/2, 0, 1/2], [1/16, 1/2, 0]], degrees 9/16, 1, 9/16
    np.testing.assert_allclose(S, [[0, 2 / 3, 1 / 9], [2 / 3, 0, 2 / 3], [1 / 9, 2 / 3, 0]])


def test_one_spreading_step_by_hand_matches_label_spreading():
    import warnings

    from sklearn.semi_supervised import LabelSpreading

    X, y_partial = np.array([[0.0], [1.0], [2.0]]), np.array([0, 1, -1])
    dist, history = ss.spread_labels(X, y_partial, gamma=np.log(2), alpha=0.2, max_iter=1)
    np.testing.assert_allclose(history[1][2], [0.2 / 9, 0.2 * 2 / 3])  # αSY + (1-α)Y
    np.testing.assert_allclose(dist[2], [1 / 7, 6 / 7])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one step is not convergence
        model = LabelSpreading(gamma=np.log(2), alpha=0.2, max_iter=1).fit(X, y_partial)
    np.testing.assert_allclose(dist, model.label_distributions_)


def test_hand_iteration_matches_label_spreading_to_convergence():
    from sklearn.semi_supervised import LabelSpreading

    X, _, y_partial = ss.spreading_example(n_samples=30)
    dist, history = ss.spread_labels(X, y_partial, gamma=40, alpha=0.9, max_iter=200)
    model = LabelSpreading(gamma=40, alpha=0.9, max_iter=200).fit(X, y_partial)
    assert len(history) - 1 == model.n_iter_
    np.testing.assert_allclose(dist, model.label_distributions_, atol=1e-12)
    assert (y_partial != ss.UNLABELED).sum() == 2


def test_draw_spreading_colours_more_nodes_step_by_step():
    X, _, y_partial = ss.spreading_example()
    _, history = ss.spread_labels(X, y_partial, gamma=40, alpha=0.99, max_iter=500)
    steps = [0, 1, 3, 8, len(history) - 1]
    fig = ss.draw_spreading(X, y_partial, history, steps, gamma=40)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(steps)
    assert len(fig.axes) == 6  # 2 rows of 3, one hidden
    assert [ax.get_title() for ax in shown][:2] == ["step 0", "step 1"]
    assert shown[-1].get_title().endswith("(converged)")
    reached = [ax.reached_ for ax in shown]
    assert reached[0] == 2  # only the labels
    assert reached[-1] == len(X)  # then all
    assert reached == sorted(reached)
    for ax in shown:
        edges, nodes, labelled = ax.collections
        assert len(labelled.get_offsets()) == 2  # the two given labels, as squares
        assert len(nodes.get_offsets()) == len(X) - 2
        assert len(edges.get_segments()) > len(X) / 2
    # the unlabelled nodes of step 0 are white: nothing has reached them yet
    np.testing.assert_allclose(shown[0].collections[1].get_facecolors()[:, :3], 1.0)
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


@pytest.fixture(scope="module")
def small_spreading():
    X, y, y_partial = ss.spreading_example(n_samples=30)
    _, history = ss.spread_labels(X, y_partial, gamma=40, alpha=0.9, max_iter=200)
    return X, y, y_partial, history


def explore(small_spreading, steps):
    X, y, y_partial, history = small_spreading
    return ss.explore_iterations(
        X, y, y_partial, history, steps, gamma=40, names=("upper", "lower")
    )


def test_explore_iterations_scores_each_step_and_ends_at_label_spreading(small_spreading):
    from sklearn.semi_supervised import LabelSpreading

    X, y, y_partial, history = small_spreading
    last = len(history) - 1
    steps = (0, 1, 3, last)
    frames, rows = explore(small_spreading, steps)
    for fig in frames:
        plt.close(fig)
    hidden = y_partial == ss.UNLABELED
    assert [r["step"] for r in rows] == list(steps)
    # step 0 is Y: no unlabelled point has a score, none is labelled right
    assert rows[0]["reached"] == rows[0]["right"] == rows[0]["accuracy"] == 0
    np.testing.assert_array_equal(rows[0]["predicted"][hidden], ss.UNLABELED)
    for r in rows[1:]:
        F = history[r["step"]]
        lead = F.argmax(axis=1)
        assert r["accuracy"] == pytest.approx(np.mean(lead[hidden] == y[hidden]))
        assert r["right"] == np.sum(lead[hidden] == y[hidden])
        assert r["reached"] == np.sum(F[hidden].sum(axis=1) > 1e-3)
        assert r["right_reached"] <= min(r["right"], r["reached"])
    # the last step is scikit-learn's converged result
    model = LabelSpreading(gamma=40, alpha=0.9, max_iter=200).fit(X, y_partial)
    assert last == model.n_iter_
    np.testing.assert_array_equal(rows[-1]["predicted"], model.transduction_)
    right = model.transduction_[hidden] == y[hidden]
    assert rows[-1]["accuracy"] == pytest.approx(right.mean())


def test_explore_iterations_frames_are_one_size_on_one_plane_and_closed(small_spreading):
    from mlbook import explorable as ex
    from mlbook.plotting import figure_problems, use_book_style

    use_book_style()
    open_before = set(plt.get_fignums())
    last = len(small_spreading[3]) - 1
    frames, _ = explore(small_spreading, (0, 2, last))
    titles = [fig.axes[0].get_title() for fig in frames]
    assert titles == ["step 0", "step 2", f"step {last} (converged)"]
    planes = {(fig.axes[0].get_xlim(), fig.axes[0].get_ylim()) for fig in frames}
    assert len(planes) == 1
    assert len({(fig.axes[1].get_xlim(), fig.axes[1].get_ylim()) for fig in frames}) == 1
    for fig in frames:
        texts = [t.get_text() for t in fig.legends[0].get_texts()]
        assert texts[:2] == ["upper", "lower"]
        assert fig.get_layout_engine() is not None  # constrained: nothing cut off
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
        assert figure_problems(fig) == []
        sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_text()]
        assert min(sizes) >= 9  # legible at 80 dpi
    pngs = [ex.frame_png(fig) for fig in frames]
    assert {ex.png_size(p) for p in pngs} == {(7 * ex.FRAME_DPI, 4.4 * ex.FRAME_DPI)}
    assert len(set(pngs)) == 3  # the figure changes with the step
    assert set(plt.get_fignums()) <= open_before


def test_frames_player_takes_the_spreading_frames(small_spreading):
    from mlbook import explorable as ex

    open_before = set(plt.get_fignums())
    frames, rows = explore(small_spreading, (0, 1, 4))
    labels = [str(r["step"]) for r in rows]
    said = [f"step {r['step']}: {r['accuracy']:.0%} right" for r in rows]
    box = ex.frames_player(frames, labels, said, name="step", description="step", start=2)
    slider, _, figure = box.children
    assert slider.index == 2
    assert [label for label, _ in slider.options] == ["0", "1", "4"]
    assert len(figure.children) == 3
    assert set(plt.get_fignums()) <= open_before
