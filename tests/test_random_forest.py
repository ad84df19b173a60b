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
    curve = rf.accuracy_vs_trees(X_train, y_train, X_test, y_test, (15, 40))
    assert curve["trees"].tolist() == [15, 40]
    assert curve[["OOB accuracy", "test accuracy"]].gt(0.7).all().all()


def test_importances_noise_gets_mdi_but_no_permutation_importance(split):
    X_train, X_test, y_train, y_test = split
    model = rf.forest(40).fit(X_train, y_train)
    imp = rf.importances(model, X_test, y_test, n_repeats=3)
    assert np.isclose(imp["impurity"].sum(), 1.0)
    assert imp["impurity"].is_monotonic_decreasing
    # MDI, measured on training data, credits pure noise; the held-out permutation test barely does
    assert imp.loc["noise", "impurity"] > 0.02
    assert imp.loc["noise", "permutation"] < imp["permutation"].max() / 3


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
