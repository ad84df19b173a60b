import numpy as np
import pytest

from mlbook import active_learning as al

# The notes' figure: for each round, the (predicted, true) label of the 5 digits asked for.
SEED_FIGURE = [
    [(1, 1), (2, 1), (1, 1), (1, 1), (3, 3)],
    [(4, 4), (4, 4), (4, 4), (8, 2), (8, 7)],
    [(2, 2), (9, 5), (9, 5), (5, 9), (7, 7)],
    [(8, 8), (1, 8), (3, 3), (4, 4), (8, 8)],
    [(1, 1), (1, 1), (7, 7), (7, 7), (1, 1)],
]
SEED_ACCURACY = [0.87, 0.90, 0.92, 0.95, 0.96]  # the notes' classification reports
SEED_PICKS = [
    [128, 64, 202, 171, 71],
    [289, 205, 280, 66, 258],
    [226, 84, 101, 312, 179],
    [167, 218, 252, 285, 158],
    [57, 301, 321, 189, 69],
]


@pytest.fixture(scope="module")
def seed_rounds():
    X, y, _ = al.load_seed_digits()
    e = al.SEED_EXPERIMENT
    return al.run_rounds(
        X, y, e["n_labeled"], e["rounds"], e["per_round"], e["gamma"], e["max_iter"]
    )


def test_the_notes_experiment_is_reproduced_exactly(seed_rounds):
    assert [r.picked.tolist() for r in seed_rounds] == SEED_PICKS
    assert [
        list(zip(r.picked_pred.tolist(), r.picked_true.tolist())) for r in seed_rounds
    ] == SEED_FIGURE
    assert [round(r.accuracy, 2) for r in seed_rounds] == SEED_ACCURACY
    assert [r.n_labeled for r in seed_rounds] == [40, 45, 50, 55, 60]  # not 10 → 30


def test_each_round_keeps_its_labels_for_every_point(seed_rounds):
    """A fixed set can be scored in every round (the shrinking pool is not a fixed set)."""
    _, y, _ = al.load_seed_digits()
    for r in seed_rounds:
        assert r.transduction.shape == y.shape
        np.testing.assert_array_equal(r.transduction[r.picked], r.picked_pred)


def test_seed_selection_with_np_in1d_is_gone():
    """The notes' np.in1d was removed from NumPy 2.x; np.isin gives the same selection."""
    if hasattr(np, "in1d"):
        pytest.skip("this NumPy still has np.in1d")
    with pytest.raises(AttributeError):
        np.in1d([1], [1])  # noqa: NPY201 (the point of the test)


def test_select_most_uncertain_only_picks_unlabelled():
    scores = np.array([0.9, 0.1, 0.8, 0.7, 0.95])
    assert al.select_most_uncertain(scores, unlabeled=np.array([1, 2, 3]), k=2).tolist() == [2, 3]


def test_retrain_with_nothing_labelled_says_so():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(ValueError, match="no labelled point"):
        al.retrain(X, np.full(10, -1))


def test_uncertainty_scores_are_low_for_confident_points():
    class Fake:
        label_distributions_ = np.array([[1.0, 0.0], [0.5, 0.5], [0.9, 0.1]])

    ent, margin = al.entropy_scores(Fake()), al.margin_scores(Fake())
    assert ent[0] == pytest.approx(0)
    assert ent.argmax() == 1
    assert margin.argmax() == 1
    assert margin[0] == pytest.approx(0)


def test_rounds_table_has_a_row_per_round(seed_rounds):
    table = al.rounds_table(seed_rounds)
    assert len(table) == 5
    assert table["accuracy"].is_monotonic_increasing
    assert table.iloc[1]["asked next (pred→true)"].startswith("4→4")


def test_compare_strategies_uses_the_same_start_and_grows_labels():
    df = al.compare_strategies(seeds=1, rounds=2, pool_size=200, n_start=20, per_round=5)
    assert set(df.strategy) == {"uncertainty", "margin", "random"}
    assert sorted(df.labels.unique()) == [20, 25, 30]
    first = df[df.labels == 20].accuracy
    assert first.nunique() == 1  # identical start set → identical first score
    assert df.accuracy.between(0, 1).all()


class TestActiveLearner:
    @pytest.fixture
    def learner(self):
        X, y, _ = al.load_seed_digits()
        return al.ActiveLearner(X, y, n_labeled=40)

    def test_teach_retrains_and_records(self, learner):
        asked = learner.ask(5)
        acc = learner.teach(asked, learner.y_true[asked])
        assert learner.n_labeled == 45
        assert learner.history[-1] == (45, acc)

    @pytest.mark.parametrize(
        ("labels", "message"), [([], "nothing to learn"), ([12], "0–9"), ([1, 2], "labels")]
    )
    def test_bad_input_changes_nothing(self, learner, labels, message):
        before = learner.y_partial.copy(), list(learner.history)
        indices = learner.ask(len(labels) if len(labels) != 2 else 1) if labels else []
        with pytest.raises(ValueError, match=message):
            learner.teach(indices, labels)
        assert np.array_equal(learner.y_partial, before[0])
        assert learner.history == before[1]

    def test_cannot_relabel_a_labelled_digit(self, learner):
        with pytest.raises(ValueError, match="already labelled"):
            learner.teach([0], [learner.y_true[0]])

    def test_undo_and_reset(self, learner):
        start = learner.y_partial.copy()
        asked = learner.ask(3)
        learner.teach(asked, learner.y_true[asked])
        assert learner.undo() is True
        assert np.array_equal(learner.y_partial, start)
        assert len(learner.history) == 1
        assert learner.undo() is False
        learner.teach(asked, learner.y_true[asked])
        learner.reset()
        assert np.array_equal(learner.y_partial, start)


def test_the_notes_quotation_constants_match_the_pinned_experiment():
    assert list(al.NOTES_ACCURACY) == SEED_ACCURACY
    assert [list(r) for r in al.NOTES_ASKED] == SEED_FIGURE


def test_two_label_share_counts_uncertain_points_split_between_two_labels():
    from types import SimpleNamespace

    dist = np.array(
        [
            [1.0, 0.0, 0.0],  # certain: not counted
            [0.6, 0.4, 0.0],  # two labels
            [0.5, 0.495, 0.005],  # two labels hold 99.5 %
            [0.4, 0.3, 0.3],  # three labels
        ]
    )
    model = SimpleNamespace(label_distributions_=dist)
    n, share = al.two_label_share(model, np.arange(4))
    assert n == 3
    assert share == pytest.approx(2 / 3)
    # on two-label points, entropy and margin rank alike
    two = np.array([1, 2])
    assert (
        np.argsort(al.entropy_scores(model)[two]).tolist()
        == np.argsort(al.margin_scores(model)[two]).tolist()
    )
    n_none, share_none = al.two_label_share(model, np.array([0]))
    assert n_none == 0
    assert np.isnan(share_none)


def test_entropy_by_hand_matches_scipy_and_its_bounds():
    from types import SimpleNamespace

    probs = np.array([[1.0, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2]])
    hand = al.entropy_by_hand(probs)
    np.testing.assert_allclose(hand, al.entropy_scores(SimpleNamespace(label_distributions_=probs)))
    np.testing.assert_allclose(hand[:3], [0, np.log(2), np.log(3)])  # 0 … log K


def test_entropy_and_margin_can_disagree_on_three_labels():
    from types import SimpleNamespace

    model = SimpleNamespace(label_distributions_=np.array([[0.5, 0.5, 0.0], [0.6, 0.2, 0.2]]))
    entropy, margin = al.entropy_scores(model), al.margin_scores(model)
    assert entropy[1] > entropy[0]  # entropy asks for the three-way digit first
    assert margin[0] > margin[1]  # margin for the two-way tie
    np.testing.assert_allclose(margin, [1.0, 0.6])


def test_draw_uncertainty_map_marks_labelled_and_asked_digits():
    import matplotlib.pyplot as plt

    X, y, _ = al.load_seed_digits(120)
    labelled, picked = np.arange(20), np.array([50, 60, 70])
    entropy = np.linspace(0, np.log(10), len(y))
    ax = al.draw_uncertainty_map(al.digits_map(X), entropy, y, labelled, picked, title="t")
    dots, crosses, rings = ax.collections
    assert len(dots.get_offsets()) == len(y) - len(labelled)
    assert len(crosses.get_offsets()) == len(labelled)
    assert len(rings.get_offsets()) == len(picked)
    # the dots are coloured by entropy, the most uncertain drawn last (on top)
    values = dots.get_array()
    assert values.max() == pytest.approx(np.log(10))
    assert list(values) == sorted(values)
    names = [t.get_text() for t in ax.texts]
    assert sorted(names) == [str(d) for d in np.unique(y)]
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "unlabelled (colour: entropy)",
        "labelled",
        "asked next",
    ]
    assert ax.colorbar_.ax.get_ylabel() == "entropy (nats, log scale)"
    assert ax.figure.get_size_inches()[0] <= 7
    plt.close(ax.figure)
