import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from mlbook import random_forest as rf


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=3, n_redundant=0, random_state=0
    )
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    X["noise"] = np.random.default_rng(0).normal(size=len(X))
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_seed_code_uses_undefined_training_data():
    assert rf.run_seed_code() == "NameError: name 'X_train' is not defined"


def test_load_with_noise_adds_two_uninformative_columns():
    X, y = rf.load_with_noise()
    assert X.shape == (569, 32)
    assert list(X.columns[-2:]) == ["random_num", "random_cat"]
    assert X["random_cat"].nunique() > 50
    assert abs(np.corrcoef(X["random_num"], y)[0, 1]) < 0.15


def test_forest_is_reproducible_with_a_seed(split):
    X_train, X_test, y_train, _y_test = split
    a = rf.forest(20, seed=3).fit(X_train, y_train).predict_proba(X_test)
    b = rf.forest(20, seed=3).fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)


def test_accuracy_vs_trees_grows_one_forest(split):
    X_train, X_test, y_train, y_test = split
    curve, right = rf.accuracy_vs_trees(X_train, y_train, X_test, y_test, (15, 40))
    assert curve["trees"].tolist() == [15, 40]
    assert curve[["OOB accuracy", "test accuracy"]].gt(0.7).all().all()
    assert right["OOB"].shape == (2, len(y_train))
    assert right["test"].shape == (2, len(y_test))
    # the per-row results are the accuracies, row by row
    np.testing.assert_allclose(right["test"].mean(axis=1), curve["test accuracy"])
    np.testing.assert_allclose(right["OOB"][-1].mean(), curve["OOB accuracy"].iloc[-1])


def test_cv_accuracy_scores_every_model_on_the_same_folds(split):
    from sklearn.tree import DecisionTreeClassifier

    X_train, _, y_train, _ = split
    models = {"tree": DecisionTreeClassifier(random_state=0), "forest": rf.forest(20)}
    folds = rf.cv_accuracy(models, X_train, y_train, n_splits=5, n_repeats=2)
    assert folds.shape == (2, 10)
    again = rf.cv_accuracy({"tree": models["tree"]}, X_train, y_train, n_splits=5, n_repeats=2)
    np.testing.assert_array_equal(again.loc["tree"], folds.loc["tree"])  # same folds
    assert ((folds > 0.5) & (folds <= 1)).all().all()


def test_a_forest_is_unsure_near_borders_where_a_tree_is_not():
    import matplotlib.pyplot as plt
    from sklearn.datasets import make_blobs
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_blobs(200, centers=3, cluster_std=1.5, random_state=0)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    forest = rf.forest(30).fit(X, y)
    axes, points = rf.region_grid(X, resolution=20)
    assert axes.shape == (2, 20)
    assert points.shape == (400, 2)
    assert rf.unsure_share(tree, X, resolution=40) == 0.0  # pure leaves: all or nothing
    assert rf.unsure_share(forest, X, resolution=40) > 0.05
    fig = rf.draw_regions(
        {"tree": tree, "forest": forest},
        X,
        y,
        feature_names=["x0", "x1"],
        class_names=["a", "b", "c"],
        X_test=X,
        y_test=y,
        resolution=30,
    )
    axes = fig.get_axes()
    assert len(axes) == 2
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["tree", "forest"]
    assert all("test" in ax.get_title() for ax in axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b", "c"]
    plt.close(fig)


def test_importances_noise_gets_mdi_but_no_permutation_importance(split):
    X_train, X_test, y_train, y_test = split
    model = rf.forest(40).fit(X_train, y_train)
    imp = rf.importances(model, X_test, y_test, n_repeats=3)
    assert np.isclose(imp["impurity"].sum(), 1.0)
    assert imp["impurity"].is_monotonic_decreasing
    # MDI, measured on training data, credits pure noise; the held-out permutation test barely does
    assert imp.loc["noise", "impurity"] > 0.02
    assert imp.loc["noise", "permutation"] < imp["permutation"].max() / 3
    shuffles = imp.attrs["shuffles"]
    assert shuffles.shape == (X_test.shape[1], 3)
    np.testing.assert_allclose(shuffles.mean(axis=1)[imp.index], imp["permutation"])


def test_cardinality_demo_fools_mdi_but_not_permutation_importance():
    X, y = rf.cardinality_demo(n=600, seed=0)
    assert X.shape == (600, 2)
    assert X["signal (yes/no)"].nunique() == 2
    assert X["noise (continuous)"].nunique() == 600
    agree = np.mean(X["signal (yes/no)"] == y)
    assert 0.7 < agree < 0.9  # the label copies the signal four times in five
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    imp = rf.importances(rf.forest(60).fit(X_train, y_train), X_test, y_test, n_repeats=3)
    assert imp["impurity"].idxmax() == "noise (continuous)"  # MDI ranks the noise first
    assert imp["permutation"].idxmax() == "signal (yes/no)"  # held-out data do not


def test_forest_variance_formula():
    np.testing.assert_allclose(rf.forest_variance(0.04, 0.3, [1, 10]), [0.04, 0.0148])
    assert rf.forest_variance(0.04, 1.0, 100) == pytest.approx(0.04)  # copies: no gain
    assert rf.forest_variance(0.04, 0.0, 100) == pytest.approx(0.0004)  # independent: σ²/B


def test_measured_variance_follows_the_formula(split):
    X_train, X_test, y_train, _ = split
    P = rf.tree_predictions(X_train, y_train, X_test, worlds=6, trees=20)
    assert P.shape == (6, 20, len(X_test))
    table, sigma2, rho = rf.variance_vs_trees(P, [1, 5, 20])
    assert 0 < rho < 1
    assert sigma2 > 0
    assert table["measured"].is_monotonic_decreasing
    # with all the trees the formula is an identity
    assert table["measured"].iloc[-1] == pytest.approx(table["formula"].iloc[-1])
    np.testing.assert_allclose(table["measured"], table["formula"], rtol=0.3)


def test_draw_variance_vs_trees_draws_formula_floor_and_measurements():
    import matplotlib.pyplot as plt

    table = pd.DataFrame({"trees": [1, 2, 5, 10], "measured": [0.05, 0.03, 0.015, 0.01]})
    ax = rf.draw_variance_vs_trees(table, sigma2=0.05, rho=0.1)
    formula, floor, measured = ax.lines
    assert floor.get_ydata()[0] == pytest.approx(0.005)
    np.testing.assert_allclose(measured.get_xdata(), [1, 2, 5, 10])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "5", "10"]
    assert len(ax.get_legend().get_texts()) == 3
    assert formula.get_ydata()[0] == pytest.approx(0.05)  # B = 1: one tree's variance
    plt.close(ax.figure)


def test_oob_by_hand_matches_the_forest(split):
    X_train, _, y_train, _ = split
    model = rf.forest(40).fit(X_train, y_train)
    proba, accuracy = rf.oob_by_hand(model, X_train, y_train)
    np.testing.assert_allclose(proba, model.oob_decision_function_)
    assert accuracy == pytest.approx(model.oob_score_)


@pytest.fixture(scope="module")
def blobs():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(120, centers=3, cluster_std=2.0, random_state=1)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def explore(blobs, counts):
    X_train, X_test, y_train, y_test = blobs
    return rf.explore_trees(
        X_train,
        y_train,
        X_test,
        y_test,
        counts,
        feature_names=["x0", "x1"],
        class_names=["a", "b", "c"],
        resolution=30,
    )


@pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores")  # 6 trees
def test_first_trees_is_the_forest_of_that_many_trees(blobs):
    X_train, X_test, y_train, _ = blobs
    big = rf.forest(25, seed=2).fit(X_train, y_train)
    small = rf.forest(6, seed=2).fit(X_train, y_train)
    sub = rf.first_trees(big, 6)
    assert len(sub.estimators_) == 6
    assert len(big.estimators_) == 25  # the forest itself keeps all its trees
    np.testing.assert_array_equal(sub.predict_proba(X_test), small.predict_proba(X_test))
    for a, b in zip(sub.estimators_samples_, small.estimators_samples_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_oob_by_hand_leaves_out_the_rows_with_no_out_of_bag_tree(blobs):
    X_train, _, y_train, _ = blobs
    model = rf.forest(40).fit(X_train, y_train)
    one = rf.first_trees(model, 1)
    proba, accuracy = rf.oob_by_hand(one, X_train, y_train)
    out = np.setdiff1d(np.arange(len(y_train)), one.estimators_samples_[0])
    assert 0 < len(out) < len(y_train)  # one tree: about a third of the rows
    assert np.isnan(proba).any(axis=1).sum() == len(y_train) - len(out)
    assert not np.isnan(proba[out]).any()
    tree = model.estimators_[0]
    assert accuracy == pytest.approx(np.mean(tree.predict(X_train[out]) == y_train[out]))


def test_explore_trees_scores_the_first_k_trees(blobs):
    import matplotlib.pyplot as plt

    X_train, X_test, y_train, y_test = blobs
    counts = (1, 3, 40)
    frames, rows = explore(blobs, counts)
    for fig in frames:
        plt.close(fig)
    assert [r["n_trees"] for r in rows] == list(counts)
    model = rf.forest(max(counts)).fit(X_train, y_train)  # the same forest (same seed)
    for r in rows:
        trees = model.estimators_[: r["n_trees"]]
        proba = np.mean([t.predict_proba(X_test) for t in trees], axis=0)
        test = np.mean(model.classes_[proba.argmax(axis=1)] == y_test)
        assert r["test_accuracy"] == pytest.approx(test)
    # with all the trees every row has an OOB vote: scikit-learn's own OOB score
    assert rows[-1]["oob_rows"] == len(y_train)
    assert rows[-1]["oob_accuracy"] == pytest.approx(model.oob_score_)
    assert rows[0]["oob_rows"] < len(y_train)  # one tree drew the others
    oob_rows = [r["oob_rows"] for r in rows]
    assert oob_rows == sorted(oob_rows)  # adding trees only adds out-of-bag votes
    assert rows[0]["unsure"] < rows[-1]["unsure"]  # the vote blurs the borders


def test_explore_trees_frames_are_one_size_on_one_plane_and_closed(blobs):
    import matplotlib.pyplot as plt

    from mlbook import explorable as ex

    open_before = set(plt.get_fignums())
    frames, _ = explore(blobs, (1, 2, 20))
    titles = [fig.axes[0].get_title() for fig in frames]
    assert titles[0].startswith("1 tree, out-of-bag ")
    assert titles[2].startswith("20 trees, out-of-bag ")
    assert all("test" in t for t in titles)
    limits = {(fig.axes[0].get_xlim(), fig.axes[0].get_ylim()) for fig in frames}
    assert len(limits) == 1
    for fig in frames:
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b", "c"]
        assert fig.get_layout_engine() is not None  # constrained: nothing cut off
    pngs = [ex.frame_png(fig) for fig in frames]
    assert {ex.png_size(p) for p in pngs} == {(5.2 * ex.FRAME_DPI, 4.8 * ex.FRAME_DPI)}
    assert len(set(pngs)) == 3  # the figure changes with the number of trees
    assert set(plt.get_fignums()) <= open_before


def test_frames_player_takes_the_forest_frames(blobs):
    import matplotlib.pyplot as plt

    from mlbook import explorable as ex

    open_before = set(plt.get_fignums())
    frames, rows = explore(blobs, (1, 5, 30))
    labels = [str(r["n_trees"]) for r in rows]
    said = [f"{r['n_trees']} trees: test {r['test_accuracy']:.0%}" for r in rows]
    box = ex.frames_player(frames, labels, said, name="trees", description="trees", start=1)
    slider, _, figure = box.children
    assert slider.index == 1
    assert [label for label, _ in slider.options] == ["1", "5", "30"]
    assert len(figure.children) == 3
    assert set(plt.get_fignums()) <= open_before
