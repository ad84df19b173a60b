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
    scores, r2 = rg.cross_validated_scores(rg.make_models(), X, y, cv=3, repeats=2)
    assert list(scores.columns) == ["MSE", "MAE", "R2", "R2 std"]
    assert (scores["MAE"] ** 2 <= scores["MSE"] + 1e-9).all()  # Jensen: MAE² ≤ MSE
    assert (scores["R2"] > 0.3).all()  # better than the mean
    assert r2.shape == (3, 6)  # every model on the same 3 x 2 folds
    np.testing.assert_allclose(r2.mean(axis=1), scores["R2"])
    # the same seed and rows give the same folds, so separate calls can be paired
    _, again = rg.cross_validated_scores(
        {"linear": rg.make_models()["linear"]}, X, y, cv=3, repeats=2
    )
    np.testing.assert_allclose(again.loc["linear"], r2.loc["linear"])


def test_versus_chosen_and_in_units():
    import pandas as pd

    rng = np.random.default_rng(1)
    best = 0.5 + rng.normal(0, 0.05, 20)
    folds = pd.DataFrame(
        {"worse": best - 0.2, "same": best + rng.normal(0, 0.01, 20), "best": best}
    ).T
    table = rg.versus_chosen(folds, "best", n_splits=5)
    assert table.loc["best", "verdict"] == "chosen"
    assert table.loc["worse", "verdict"] == "loses to"
    assert table.loc["same", "verdict"] == "ties with"
    assert table.loc["worse", "difference"].startswith("\u22120.20 \u00b1 ")
    from mlbook.verdict import Verdict

    assert rg.in_units(Verdict(-0.0097, 0.04, 50, "folds", "x")) == "\u22120.01 \u00b1 0.04"
    assert rg.in_units(Verdict(2.3, 7.2, 5, "folds", "x"), 0) == "+2 \u00b1 7"


def test_compare_folds_widens_the_paired_interval_for_overlapping_folds():
    from scipy import stats

    from mlbook.verdict import compare_runs

    rng = np.random.default_rng(0)
    a = 0.9 + rng.normal(0, 0.02, 30)
    b = a - 0.01 + rng.normal(0, 0.01, 30)
    naive = compare_runs(a, b)
    v = rg.compare_folds(a, b, n_splits=10)
    assert v.difference == pytest.approx(naive.difference)
    # Nadeau and Bengio: variance s² (1/k + n_test/n_train), n_test/n_train = 1/(K - 1)
    d = a - b
    se = np.sqrt(d.var(ddof=1) * (1 / 30 + 1 / 9))
    assert v.half_width == pytest.approx(stats.t.ppf(0.975, 29) * se)
    assert v.half_width > 2 * naive.half_width
    assert naive.word == "beats"  # the naive interval calls a win ...
    assert v.word == "ties with"  # ... that overlapping folds do not support
    assert str(rg.compare_folds(a[:1], b[:1], n_splits=5)) == "cannot tell from 1 fold"


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


def test_least_squares_solves_the_normal_equations_like_linear_regression():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 3 + rng.normal(0, 0.1, 50)
    b, w = rg.least_squares(X, y)
    ref = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-10)
    assert b == pytest.approx(ref.intercept_)
    # three points by hand: y = 5/6 + 3/2 x
    b3, w3 = rg.least_squares([[0.0], [1.0], [2.0]], [1.0, 2.0, 4.0])
    assert (b3, w3[0]) == (pytest.approx(5 / 6), pytest.approx(3 / 2))


def test_mse_r2_match_scikit_learn():
    from sklearn.metrics import mean_squared_error, r2_score

    rng = np.random.default_rng(1)
    y, y_pred = rng.normal(size=30), rng.normal(size=30)
    mse, r2 = rg.mse_r2(y, y_pred)
    assert mse == pytest.approx(mean_squared_error(y, y_pred))
    assert r2 == pytest.approx(r2_score(y, y_pred))
    assert rg.mse_r2(y, np.full(30, y.mean()))[1] == pytest.approx(0)  # the mean scores 0


def test_bias_variance_decomposition_adds_up_and_trades_off():
    grid = np.linspace(0, 1, 50)[:, None]
    low, high = (rg.bias_variance(d, grid, n_sets=10) for d in (1, 10))
    for res in (low, high):
        assert res["predictions"].shape == (10, 50)
        # the mean squared distance from the truth is exactly bias² + variance
        assert res["error"] == pytest.approx(res["bias2"] + res["variance"], rel=1e-9)
        # and on fresh noisy targets the noise adds σ² (roughly, one draw per fit)
        assert res["noisy_error"] == pytest.approx(res["error"] + 0.25**2, rel=0.2)
    assert low["bias2"] > low["variance"]  # a line is stable and wrong
    assert high["variance"] > high["bias2"]  # a degree-10 polynomial is right on average
    assert high["variance"] > low["variance"]


def test_draw_bias_variance_draws_every_fit_its_average_and_the_truth():
    import matplotlib.pyplot as plt

    grid = np.linspace(0, 1, 30)[:, None]
    results = {d: rg.bias_variance(d, grid, n_sets=5) for d in (1, 4)}
    fig = rg.draw_bias_variance(results, grid)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["degree 1", "degree 4"]
    for ax in axes:
        assert len(ax.lines) == 5 + 2  # five fits, the average, the truth
        assert "bias²" in ax.texts[0].get_text()
        assert "variance" in ax.texts[0].get_text()
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == ["one fit", "average fit", "true function"]
    plt.close(fig)


def test_svr_support_vectors_are_the_points_on_or_outside_the_tube():
    x, y = rg.make_curve_data(40)
    model = rg.svr_tube(x, y, epsilon=0.3)
    residual = np.abs(y - model.predict(x))
    is_sv = np.isin(np.arange(40), model[-1].support_)
    assert not is_sv[residual < 0.3 - 1e-3].any()  # strictly inside: no say in the fit
    assert is_sv[residual > 0.3 + 1e-3].all()  # outside: always a support vector
    loss = rg.epsilon_insensitive(y, model.predict(x), 0.3)
    np.testing.assert_allclose(loss, np.maximum(0, residual - 0.3))
    # a wider tube leaves fewer support vectors
    assert len(rg.svr_tube(x, y, epsilon=0.6)[-1].support_) < is_sv.sum()


def test_draw_svr_tube_circles_exactly_the_support_vectors():
    import matplotlib.pyplot as plt

    x, y = rg.make_curve_data(40)
    model = rg.svr_tube(x, y, epsilon=0.3)
    ax = rg.draw_svr_tube(model, x, y)
    n_sv = len(model[-1].support_)
    data, circles = ax.collections[1], ax.collections[2]  # [0] is the tube
    assert len(data.get_offsets()) == 40
    assert len(circles.get_offsets()) == n_sv
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["ε-tube (ε = 0.3)", "SVR fit", "data", f"support vectors ({n_sv})"]
    plt.close(ax.figure)


def test_explore_degrees_draws_one_size_of_frame_per_degree_and_its_training_error():
    import matplotlib.pyplot as plt

    from mlbook import explorable

    x, y = rg.make_curve_data(30)
    open_before = set(plt.get_fignums())
    frames, mse = rg.explore_degrees(x, y, [1, 3, 9])
    pngs = [explorable.frame_png(f) for f in frames]
    assert len({explorable.png_size(p) for p in pngs}) == 1  # the player needs one size
    assert set(plt.get_fignums()) <= open_before
    fit3 = rg.polynomial_model(3).fit(x, y)
    assert mse[1] == pytest.approx(np.mean((fit3.predict(x) - y) ** 2))
    assert mse[0] > mse[1] > mse[2]  # nested models: more degrees, closer to the points
    explorable.frames_player(
        pngs, ["1", "3", "9"], ["a", "b", "c"], name="degree", description="degree"
    )
