import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from mlbook import decision_trees as dt


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=300, noise=0.35, random_state=0)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_seed_code_uses_undefined_training_data():
    message = dt.run_seed_code()
    assert message == "NameError: name 'X_train' is not defined"


def test_seed_code_runs_once_the_data_exist():
    setup = (
        "from sklearn.datasets import make_moons\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split("
        "*make_moons(100, random_state=0), random_state=0)\n"
    )
    assert dt.run_seed_code(setup + dt.SEED_CODE) == "no error"


def test_depth_curve_cross_validates_on_the_training_part_only(moons):
    X_train, _, y_train, _ = moons
    curve, train, cv = dt.depth_curve(X_train, y_train, [1, 2, 4, None], n_splits=5, n_repeats=2)
    assert curve["max_depth"].tolist() == [1, 2, 4, "none"]
    assert list(cv.index) == [1, 2, 4, "none"]
    assert cv.shape == train.shape == (4, 10)  # every depth on the same 5 x 2 folds
    np.testing.assert_allclose(curve["CV accuracy"], cv.mean(axis=1))
    assert curve["train accuracy"].is_monotonic_increasing
    assert curve["leaves"].is_monotonic_increasing
    full = curve.iloc[-1]
    assert full["train accuracy"] == 1.0  # an unlimited tree memorises
    assert full["CV accuracy"] < full["train accuracy"] - 0.05
    assert (curve["leaves"] <= 2 ** curve["depth"]).all()
    # the same folds with the same seed: a depth's scores do not depend on the others
    _, _, again = dt.depth_curve(X_train, y_train, [4], n_splits=5, n_repeats=2)
    np.testing.assert_array_equal(again.loc[4], cv.loc[4])


def test_versus_chosen_gives_every_depth_a_verdict_against_the_choice():
    rng = np.random.default_rng(0)
    best = 0.9 + rng.normal(0, 0.02, 20)
    cv = pd.DataFrame(
        [best - 0.2, best - 0.001 + rng.normal(0, 0.002, 20), best],
        index=pd.Index([1, 2, "none"], dtype=object),
    )
    table = dt.versus_chosen(cv, "none", n_splits=10)
    assert table.loc["none", "verdict"] == "chosen"
    assert table.loc["none", "difference"] == ""
    assert table.loc[1, "verdict"] == "loses to"
    assert table.loc[2, "verdict"] == "ties with"
    assert table.loc[1, "difference"].startswith("\u2212")
    assert table["CV accuracy"].dtype == float


def test_plot_boundaries_one_panel_per_depth(moons):
    X_train, X_test, y_train, y_test = moons
    fig = dt.plot_boundaries(
        X_train,
        y_train,
        X_test,
        y_test,
        (1, None),
        feature_names=["x0", "x1"],
        class_names=["a", "b"],
    )
    axes = fig.get_axes()
    assert len(axes) == 2
    assert axes[0].get_xlabel() == "x0"
    assert all("train" in ax.get_title() for ax in axes)
    plt.close(fig)


def test_gini_and_entropy_by_hand():
    assert dt.gini([0, 0, 0]) == 0
    assert dt.gini([0, 1]) == pytest.approx(0.5)
    assert dt.gini([0, 1, 2]) == pytest.approx(2 / 3)
    assert dt.entropy([0, 1]) == pytest.approx(1.0)
    assert dt.entropy([0, 1, 2, 3]) == pytest.approx(2.0)
    # a pure split of a 50/50 node removes all of its impurity
    assert dt.split_gain([0, 0, 1, 1], [True, True, False, False]) == pytest.approx(0.5)
    assert dt.split_gain([0, 1, 0, 1], [True, True, False, False]) == pytest.approx(0.0)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_best_split_by_hand_matches_the_fitted_root(moons, criterion):
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = moons
    impurity = dt.gini if criterion == "gini" else dt.entropy
    tree = DecisionTreeClassifier(max_depth=1, criterion=criterion, random_state=0)
    tree.fit(X_train, y_train)
    feature, threshold, gain = dt.best_split(X_train, y_train, impurity)
    assert gain == pytest.approx(dt.tree_split_gain(tree), abs=1e-9)
    assert feature == tree.tree_.feature[0]
    assert threshold == pytest.approx(tree.tree_.threshold[0], abs=1e-6)
    goes_left = X_train[:, feature] <= threshold
    assert dt.split_gain(y_train, goes_left, impurity) == pytest.approx(gain)


def test_partition_levels_and_drawing(moons):
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = moons
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X_train, y_train)
    levels = dt.partition_levels(tree, (-3, 3, -3, 3))
    assert len(levels) == 4
    assert len(levels[0]) == 2
    assert len(levels[-1]) == tree.get_n_leaves()
    for regions in levels:  # the regions tile the square
        area = sum((x1 - x0) * (y1 - y0) for x0, x1, y0, y1, _ in regions)
        assert area == pytest.approx(36)
    fig = dt.draw_partition(
        tree, X_train, y_train, feature_names=["x1", "x2"], class_names=["a", "b"]
    )
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 4  # two rows of at most three panels
    assert len(fig.axes) == 6
    cuts = 0
    for k, (ax, regions) in enumerate(zip(axes, levels), start=1):
        assert len(ax.patches) == len(regions)
        new = len(regions) - (len(levels[k - 2]) if k > 1 else 1)
        thick = [line for line in ax.lines if line.get_linewidth() == 2]
        assert len(thick) == new  # one cut per node split at this level
        assert len(ax.lines) == cuts + new
        cuts += new
        assert ax.get_title() == f"level {k}: {len(regions)} regions"
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["a", "b"]
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


def test_tidy_tree_ends_arrows_at_the_parent_boxes(moons):
    from sklearn.tree import DecisionTreeClassifier, plot_tree

    X_train, _, y_train, _ = moons
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X_train, y_train)
    fig, ax = plt.subplots(figsize=(6, 4))
    nodes = plot_tree(tree, ax=ax, fontsize=8)
    assert dt.tidy_tree(nodes) == tree.tree_.node_count - 1  # one arrow per non-root
    fig.canvas.draw()
    root = nodes[0].get_bbox_patch().get_window_extent()
    for node in nodes:
        if node.get_bbox_patch() is None:
            assert not node.get_visible()  # the True/False labels
        elif node is not nodes[0] and np.allclose(node.xy, nodes[0].xyann):
            assert node.arrow_patch.get_window_extent().y1 <= root.y0 + 1
    plt.close(fig)
