import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from mlbook import regression as rg


@pytest.fixture(scope="module")
def diabetes():
    return rg.load_data()


def test_seed_code_fails_because_its_data_file_does_not_exist():
    message = rg.run_seed_code()
    assert message.startswith("FileNotFoundError")
    assert "stock_prices.csv" in message


def test_load_data_shapes(diabetes):
    X, y = diabetes
    assert X.shape == (442, 10)
    assert y.shape == (442,)
    assert set(X["sex"].unique()) == {1.0, 2.0}  # original units, not pre-scaled


def test_preprocessor_scales_numeric_and_encodes_sex(diabetes):
    X, _ = diabetes
    Z = rg.preprocessor().fit_transform(X)
    assert Z.shape == (442, 10)  # sex -> one 0/1 column
    assert set(np.unique(Z[:, 0])) == {0.0, 1.0}
    np.testing.assert_allclose(Z[:, 1:].mean(axis=0), 0, atol=1e-9)


def test_in_sample_error_is_optimistic(diabetes):
    """The notes score the model on its own training data: that error flatters it."""
    X, y = diabetes
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    models = {
        "linear": rg.make_models()["linear"],
        "cubic": rg.make_models(degree=3)["polynomial (degree 3)"],
    }
    gap = rg.in_sample_vs_held_out(models, Xtr, Xte, ytr, yte)
    assert (gap["in-sample MSE"] < gap["held-out MSE"]).all()
    # the most flexible model looks best in-sample and is worst on new data
    assert gap["in-sample MSE"].idxmin() == "cubic"
    assert gap["held-out MSE"].idxmax() == "cubic"


def test_cross_validated_scores_table(diabetes):
    X, y = diabetes
    scores = rg.cross_validated_scores(rg.make_models(), X, y, cv=3)
    assert list(scores.columns) == ["MSE", "MAE", "R2", "R2 std"]
    assert (scores["MAE"] ** 2 <= scores["MSE"] + 1e-9).all()  # Jensen: MAE² ≤ MSE
    assert (scores["R2"] > 0.3).all()  # better than the mean


def test_polynomial_overfits_noisy_curve():
    x, y = rg.make_curve_data(40)
    assert x.shape == (40, 1)
    assert y.shape == (40,)
    xt, yt = rg.make_curve_data(200, seed=1)
    mse = {
        d: (
            np.mean((rg.polynomial_model(d).fit(x, y).predict(x) - y) ** 2),
            np.mean((rg.polynomial_model(d).fit(x, y).predict(xt) - yt) ** 2),
        )
        for d in (1, 4, 15)
    }
    assert mse[15][0] < mse[4][0] < mse[1][0]  # training error always falls
    assert mse[4][1] < mse[1][1]  # held-out error does not: degree 4 beats 1
    assert mse[4][1] < mse[15][1]  # ... and 15


def test_polynomial_training_error_never_rises_with_the_degree():
    """Nested least-squares models: a higher degree can always do at least as well in-sample."""
    x, y = rg.make_curve_data(40)
    mse = [np.mean((rg.polynomial_model(d).fit(x, y).predict(x) - y) ** 2) for d in range(1, 16)]
    assert np.all(np.diff(mse) <= 1e-9)
