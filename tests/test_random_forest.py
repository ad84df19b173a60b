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
