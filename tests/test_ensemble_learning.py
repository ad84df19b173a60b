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
