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
