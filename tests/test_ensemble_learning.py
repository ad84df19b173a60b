import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier
from sklearn.model_selection import train_test_split

from mlbook import ensemble_learning as el


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=240, n_features=8, n_informative=4, flip_y=0.05, random_state=0
    )


def test_make_ensembles_names_every_method_of_the_notes():
    models = el.make_ensembles(n_estimators=5)
    assert {
        "single tree",
        "bagging (trees)",
        "random forest",
        "AdaBoost (stumps)",
        "gradient boosting",
        "hist. gradient boosting",
        "voting (soft)",
        "stacking",
    } == set(models)
    # every randomised model has its seed fixed (bagging seeds its members from its own)
    for model in models.values():
        assert model.get_params().get("random_state", 0) is not None


def test_compare_table_and_ensembles_beat_a_single_tree(data):
    X, y = data
    models = el.make_ensembles(n_estimators=20)
    table = el.compare(
        {k: models[k] for k in ("single tree", "random forest", "voting (soft)")}, X, y, cv=3
    )
    assert list(table.columns) == ["accuracy", "accuracy std", "fit time (s)", "predict time (s)"]
    assert table["accuracy"].is_monotonic_decreasing
    assert table.index[-1] == "single tree"
    assert (table["fit time (s)"] > 0).all()
    # every example predicted once out of fold: the shares right are the fold accuracies
    correct = table.attrs["correct"]
    assert set(correct) == set(table.index)
    for name, right in correct.items():
        assert right.shape == (len(y),)
        np.testing.assert_allclose(right.mean(), table.loc[name, "accuracy"], atol=0.01)


def test_staged_accuracy_one_row_per_round(data):
    X, y = data
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    for model in (
        GradientBoostingClassifier(n_estimators=30, random_state=0),
        AdaBoostClassifier(n_estimators=30, random_state=0),
    ):
        df = el.staged_accuracy(model, X_train, y_train, X_test, y_test)
        assert df["round"].tolist() == list(range(1, 31))
        # boosting fits the training data better and better
        assert df["train accuracy"].iloc[-1] > df["train accuracy"].iloc[0]
        np.testing.assert_allclose(df["test accuracy"].iloc[-1], model.score(X_test, y_test))


def test_boost_by_hand_matches_gradient_boosting_stage_by_stage():
    from sklearn.ensemble import GradientBoostingRegressor

    X, y = el.boosting_example(n=40)
    trees, predictions = el.boost_by_hand(X, y, n_stages=3)
    assert len(trees) == 3
    np.testing.assert_allclose(predictions[0], y.mean())  # F_0 is the mean
    for m in (1, 2, 3):
        library = GradientBoostingRegressor(n_estimators=m, random_state=0).fit(X, y)
        np.testing.assert_allclose(predictions[m], library.predict(X), atol=1e-12)
    # each stage fits the residuals, so the training error goes down
    errors = [np.mean((y - F) ** 2) for F in predictions]
    assert errors == sorted(errors, reverse=True)


def test_one_boosting_step_on_four_points_by_hand():
    from sklearn.ensemble import GradientBoostingRegressor

    X, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([1.0, 2.0, 3.0, 6.0])
    _, predictions = el.boost_by_hand(X, y, n_stages=1, max_depth=1)
    # residuals (-2, -1, 0, 3): the stump splits off the last point, leaves -1 and 3
    np.testing.assert_allclose(predictions[1], [2.9, 2.9, 2.9, 3.3])
    library = GradientBoostingRegressor(n_estimators=1, max_depth=1).fit(X, y)
    np.testing.assert_allclose(library.predict(X), predictions[1])


def test_out_of_fold_features_are_what_stacking_learns_from(data):
    from sklearn.ensemble import StackingClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = data
    members = el.base_learners()
    stack = StackingClassifier(members, final_estimator=LogisticRegression(), cv=3).fit(X, y)
    Z = el.out_of_fold_features(members, X, y, cv=3)
    assert Z.shape == (len(y), len(members))
    final = LogisticRegression().fit(Z, y)
    np.testing.assert_allclose(final.coef_, stack.final_estimator_.coef_, atol=1e-10)


def test_draw_boosting_stages_shows_residuals_shrinking():
    import matplotlib.pyplot as plt

    X, y = el.boosting_example()
    trees, predictions = el.boost_by_hand(X, y, n_stages=10)
    fig = el.draw_boosting_stages(X, y, trees, predictions, [1, 3, 10])
    top, bottom = fig.axes[:3], fig.axes[3:6]
    assert [ax.get_title() for ax in top] == ["after stage 1", "after stage 3", "after stage 10"]
    assert all(ax.get_title().startswith("residuals, rms") for ax in bottom)
    assert fig.rms_ == sorted(fig.rms_, reverse=True)  # residuals shrink stage by stage
    for ax in top + bottom:
        assert len(ax.collections) == 1  # the points (data or residuals)
    assert all(len(ax.lines) == 1 for ax in top)  # F_m
    assert all(len(ax.lines) == 2 for ax in bottom)  # zero line and h_m
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "data",
        "$F_m$",
        "residual",
        "$h_m$",
    ]
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


def test_draw_accuracy_vs_cost_one_marker_per_model_and_a_legend():
    import matplotlib.pyplot as plt
    import pandas as pd

    from mlbook.plotting import figure_problems

    table = pd.DataFrame(
        {
            "accuracy": [0.97, 0.96, 0.96, 0.93],
            "accuracy std": [0.01, 0.02, 0.01, 0.02],
            "fit time (s)": [0.5, 0.21, 0.2, 0.01],
        },
        index=["stacking", "random forest", "hist. gradient boosting", "single tree"],
    )
    ax = el.draw_accuracy_vs_cost(table)
    assert len(ax.containers) == len(table)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(table.index)
    assert not ax.texts  # no names beside the points, so none can overlap
    assert figure_problems(ax.figure) == []
    plt.close(ax.figure)
