import warnings

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
