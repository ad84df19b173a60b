"""Chapter *Regression models*: linear, polynomial and support-vector regression.

Each is judged on held-out data.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

if TYPE_CHECKING:
    from mlbook.verdict import Verdict

#: Per-profile settings. The data are small; ``quick`` only tries fewer polynomial degrees.
#: ``cv_repeats``: how many shuffled K-fold splits the model comparison and the validation
#: curve repeat (every model on the same folds).
#: ``bv_sets``: training sets drawn per degree for the bias-variance picture;
#: ``svr_epsilon``: half-width of the SVR tube on the sine-wave data.
SETTINGS = freeze(
    {
        "full": {
            "cv_folds": 5,
            "cv_repeats": 10,
            "max_degree": 15,
            "curve_points": 40,
            "svr_C": 30.0,
            "bv_sets": 30,
            "bv_degrees": (1, 4, 10),
            "svr_epsilon": 0.3,
        },
        "quick": {
            "cv_folds": 5,
            "cv_repeats": 10,
            "max_degree": 10,
            "curve_points": 40,
            "svr_C": 30.0,
            "bv_sets": 30,
            "bv_degrees": (1, 4, 10),
            "svr_epsilon": 0.3,
        },
    }
)

#: The notes' example, verbatim.
SEED_CODE = """\
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

# Load the data
df = pd.read_csv('data/stock_prices.csv')

# Split the data into features and target
X = df.drop('target', axis=1)
y = df['target']

# Create the model
model = LinearRegression()

# Fit the model
model.fit(X, y)

# Make predictions
predictions = model.predict(X)

# Evaluate the model
mse = np.mean((predictions - y)**2)
print('MSE:', mse)
"""


def run_seed_code(code: str = SEED_CODE) -> str:
    """Run the notes' code in an empty temporary folder; return ``"Type: message"`` of its error.

    Returns ``"no error"`` if it runs. The notes read ``data/stock_prices.csv``, a file
    that the course never provides.
    """
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            return run_notes_code(code)
        finally:
            os.chdir(cwd)


def load_data() -> tuple[pd.DataFrame, pd.Series]:
    """Load the diabetes data that ships with scikit-learn, in its original units.

    Returns
    -------
    X : DataFrame, shape (442, 10)
        Age (years), sex (1 or 2), BMI, blood pressure and six blood serum measurements.
    y : Series, shape (442,)
        Disease progression one year after the baseline (a score from 25 to 346).
    """
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    return X, y.rename("progression")


def preprocessor(categorical: tuple[str, ...] = ("sex",)):
    """Standardise the numeric columns, one-hot encode the categorical ones.

    Returns a ``ColumnTransformer``.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer(
        [
            ("categorical", OneHotEncoder(drop="if_binary"), list(categorical)),
        ],
        remainder=StandardScaler(),
        verbose_feature_names_out=False,
    )


def make_models(degree: int = 2, svr_C: float = 30.0) -> dict:
    """Three regressors, each a ``Pipeline`` that starts with ``preprocessor``.

    ``"linear"``: least squares. ``"polynomial"``: least squares on every product of
    up to ``degree`` features. ``"SVR"``: a support-vector regressor with an RBF kernel.
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures
    from sklearn.svm import SVR

    return {
        "linear": make_pipeline(preprocessor(), LinearRegression()),
        f"polynomial (degree {degree})": make_pipeline(
            preprocessor(),
            PolynomialFeatures(degree, include_bias=False),
            LinearRegression(),
        ),
        "SVR (RBF kernel)": make_pipeline(
            preprocessor(),
            SVR(C=svr_C, epsilon=1.0, gamma=0.01),
        ),
    }


def in_sample_vs_held_out(
    models: dict,
    X_train,
    X_test,
    y_train,
    y_test,
) -> pd.DataFrame:
    """Fit each model on the training part; MSE on the training and the test part.

    Returns
    -------
    DataFrame
        One row per model, columns ``in-sample MSE``, ``held-out MSE`` and their
        ratio ``optimism`` (held-out / in-sample; above 1 when in-sample error
        flatters the model).
    """
    from sklearn.metrics import mean_squared_error

    rows = {}
    for name, model in models.items():
        model.fit(X_train, y_train)
        train = mean_squared_error(y_train, model.predict(X_train))
        test = mean_squared_error(y_test, model.predict(X_test))
        rows[name] = {
            "in-sample MSE": train,
            "held-out MSE": test,
            "optimism": test / train,
        }
    return pd.DataFrame(rows).T


def cross_validated_scores(
    models: dict,
    X,
    y,
    cv: int = 5,
    repeats: int = 1,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MSE, MAE and R² of each model by repeated, shuffled K-fold cross-validation.

    Every model is scored on the same ``repeats`` x ``cv`` folds of *X*, *y* (pass the
    training part: what is chosen here must not have seen the test set).

    Returns
    -------
    table : DataFrame
        One row per model; columns ``MSE``, ``MAE``, ``R2`` (means over the folds) and
        ``R2 std`` (the spread of single folds).
    r2_folds : DataFrame, shape (len(models), repeats * cv)
        R² of each model on each fold, for comparing models fold by fold.
    """
    from sklearn.model_selection import RepeatedKFold, cross_validate

    folds = RepeatedKFold(n_splits=cv, n_repeats=repeats, random_state=seed)
    rows, r2 = {}, {}
    for name, model in models.items():
        res = cross_validate(
            model,
            X,
            y,
            cv=folds,
            scoring=["neg_mean_squared_error", "neg_mean_absolute_error", "r2"],
        )
        r2[name] = res["test_r2"]
        rows[name] = {
            "MSE": -res["test_neg_mean_squared_error"].mean(),
            "MAE": -res["test_neg_mean_absolute_error"].mean(),
            "R2": res["test_r2"].mean(),
            "R2 std": res["test_r2"].std(),
        }
    return pd.DataFrame(rows).T, pd.DataFrame(r2).T


def versus_chosen(folds: pd.DataFrame, chosen, n_splits: int, decimals: int = 2):
    """Compare every candidate's fold scores with the chosen one's (``compare_folds``).

    *folds* has one row of fold scores per candidate (e.g. ``cross_validated_scores``'s
    ``r2_folds``), *chosen* is a row label, *n_splits* the K of the folds. Returns one
    row per candidate: its mean ``score``, the ``difference`` from the chosen one with
    its 95 % noise (in the scores' own units), and the ``verdict`` against it.
    """
    rows = {}
    for name, scores in folds.iterrows():
        verdict = compare_folds(scores, folds.loc[chosen], n_splits)
        rows[name] = {
            "score": scores.mean(),
            "difference": "" if name == chosen else in_units(verdict, decimals),
            "verdict": "chosen" if name == chosen else verdict.word,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def in_units(verdict: Verdict, decimals: int = 2) -> str:
    """Return a verdict's difference and noise in the results' own units: '−0.21 ± 0.15'."""
    from mlbook.typeset import difference

    floor = 10.0 ** -(decimals + 1)  # a nonzero difference never reads as zero
    diff = difference(verdict.difference, scale=1, unit="", decimals=decimals, floor=floor)
    if not np.isfinite(verdict.half_width):
        return f"{diff} (noise unknown)"
    return f"{diff} ± {verdict.half_width:.{decimals}f}"


def compare_folds(scores_a, scores_b, n_splits: int, *, level: float = 0.95) -> Verdict:
    """Compare two models scored on the same cross-validation folds, with their noise.

    Score *i* of both models is on fold *i* of one (repeated) ``n_splits``-fold split.
    Two folds' training parts share most of their rows, so fold scores are not
    independent and a plain paired t interval is too narrow. Nadeau and Bengio's
    correction widens it: the variance of the mean difference over k folds is
    s² (1/k + n_test/n_train) instead of s²/k, with n_test/n_train = 1/(n_splits - 1).
    """
    from mlbook.verdict import compare_runs

    ratio = 1 / (n_splits - 1)  # n_test / n_train of one K-fold split
    return compare_runs(
        scores_a,
        scores_b,
        level=level,
        unit="folds",
        test_train_ratio=ratio,
    )


#: Standard deviation of the noise ``make_curve_data`` adds to the sine wave.
CURVE_NOISE = 0.25


def make_curve_data(
    n: int = 40, noise: float = CURVE_NOISE, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Make a noisy sine wave for polynomial fits.

    Returns
    -------
    x : ndarray, shape (n, 1)
        Inputs in [0, 1], sorted.
    y : ndarray, shape (n,)
        ``sin(2 pi x)`` plus Gaussian noise of standard deviation ``noise``.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))[:, None]
    return x, np.sin(2 * np.pi * x[:, 0]) + rng.normal(0, noise, n)


def polynomial_model(degree: int):
    """Make a least-squares polynomial of x: scale x, take its powers, scale them, fit.

    x is standardised *before* its powers are taken: the powers of an x in [0, 1] are
    so alike at high degree that the solver cannot tell them apart and silently drops
    some, and the training error would then stop falling as the degree grows.
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    return make_pipeline(
        StandardScaler(),
        PolynomialFeatures(degree, include_bias=False),
        StandardScaler(),
        LinearRegression(),
    )


def explore_degrees(x, y, degrees, *, ylim=(-2.0, 2.0)):
    """Frames for an explorable figure: the polynomial fit of each degree, one size.

    Each frame draws the points, the true function ``sin 2 pi x`` and the fit of one
    degree (:func:`polynomial_model`) on fixed axes, for
    :func:`mlbook.explorable.frames_player`.

    Returns
    -------
    frames : list of matplotlib.figure.Figure
        One per degree.
    train_mse : list of float
        Each fit's mean squared error on the points it was fitted to.
    """
    import matplotlib.pyplot as plt

    grid = np.linspace(0, 1, 300)[:, None]
    frames, train_mse = [], []
    for d in degrees:
        fit = polynomial_model(d).fit(x, y)
        train_mse.append(float(np.mean((fit.predict(x) - y) ** 2)))
        fig, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
        ax.scatter(x[:, 0], y, color="black", s=18, label="data")
        true_y = np.sin(2 * np.pi * grid[:, 0])
        ax.plot(grid, true_y, "k--", lw=1, label="true function")
        ax.plot(grid, fit.predict(grid), color="C1", lw=2, label=f"degree {d}")
        ax.set(title=f"Polynomial of degree {d}", xlabel="x", ylabel="y", ylim=ylim)
        ax.legend(loc="upper right", fontsize=9)
        frames.append(fig)
    return frames, train_mse


def least_squares(X, y) -> tuple[float, np.ndarray]:
    """Solve the normal equations for an intercept and weights, by hand.

    Parameters
    ----------
    X : array-like, shape (n, d)
        Inputs (already preprocessed).
    y : array-like, shape (n,)
        Targets.

    Returns
    -------
    b : float
        The intercept.
    w : ndarray, shape (d,)
        The weights that minimise the sum of squared errors.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    A = np.column_stack([np.ones(len(X)), X])  # a column of ones carries the intercept
    coef = np.linalg.solve(A.T @ A, A.T @ y)  # the normal equations
    return float(coef[0]), coef[1:]


def mse_r2(y, y_pred) -> tuple[float, float]:
    """Return the mean squared error and R² of predictions, by hand."""
    y, y_pred = np.asarray(y, dtype=float), np.asarray(y_pred, dtype=float)
    mse = np.mean((y - y_pred) ** 2)
    r2 = 1 - mse / np.mean((y - y.mean()) ** 2)
    return float(mse), float(r2)


def bias_variance(
    degree: int,
    grid: np.ndarray,
    n_sets: int = 30,
    n: int = 40,
    noise: float = CURVE_NOISE,
    seed: int = 100,
) -> dict:
    """Fit one polynomial per fresh training set; measure the bias² and the variance.

    Each training set is ``make_curve_data(n, noise, seed + i)``: new x positions, new
    noise, same true function ``sin(2 pi x)``.

    Parameters
    ----------
    degree : int
        Degree of ``polynomial_model``.
    grid : ndarray, shape (m, 1)
        Inputs where the fits are compared with the truth.

    Returns
    -------
    dict
        ``predictions`` (ndarray, shape (n_sets, m)): each fit on the grid;
        ``truth`` (m,); ``bias2``, ``variance`` and ``error`` (mean squared distance
        of a fit from the truth), each averaged over the grid; ``noisy_error``: the mean
        squared error on fresh noisy targets at the grid (one draw per fit).
    """
    truth = np.sin(2 * np.pi * grid[:, 0])
    fits = []
    for i in range(n_sets):  # a fresh training set each time
        x, y = make_curve_data(n, noise, seed + i)
        fits.append(polynomial_model(degree).fit(x, y))
    predictions = np.array([fit.predict(grid) for fit in fits])  # shape (n_sets, m)
    average = predictions.mean(axis=0)  # the average fit over training sets
    bias2 = np.mean((average - truth) ** 2)
    variance = np.mean(predictions.var(axis=0))
    error = np.mean((predictions - truth) ** 2)
    fresh = truth + np.random.default_rng(seed - 1).normal(0, noise, predictions.shape)
    return {
        "predictions": predictions,
        "truth": truth,
        "bias2": float(bias2),
        "variance": float(variance),
        "error": float(error),
        "noisy_error": float(np.mean((predictions - fresh) ** 2)),
    }


def draw_bias_variance(results: dict, grid: np.ndarray, axes=None):
    """Draw, per degree, every fit (thin), their average (thick) and the truth (dashed).

    Parameters
    ----------
    results : dict
        ``{degree: bias_variance(degree, grid, ...)}``, at most three degrees.
    grid : ndarray, shape (m, 1)
    axes : sequence of Axes, optional
        One per degree; made side by side if omitted.

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(
            1, len(results), figsize=(7, 3.2), sharey=True, constrained_layout=True
        )
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    x = grid[:, 0]
    for ax, (degree, res) in zip(axes, results.items(), strict=True):
        for k, pred in enumerate(res["predictions"]):
            ax.plot(
                x, pred, color="tab:blue", lw=0.6, alpha=0.35, label="one fit" if k == 0 else None
            )
        ax.plot(x, res["predictions"].mean(axis=0), color="tab:red", lw=2.2, label="average fit")
        ax.plot(x, res["truth"], "k--", lw=1.2, label="true function")
        ax.set(title=f"degree {degree}", xlabel="x", ylim=(-2, 2))
        ax.text(
            0.03,
            0.03,
            f"bias² {res['bias2']:.3f}\nvariance {res['variance']:.3f}",
            transform=ax.transAxes,
            fontsize=9,
            va="bottom",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
        )
    axes[0].set_ylabel("y")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    return fig


def svr_tube(x, y, epsilon: float = 0.3, C: float = 10.0, gamma: float = 1.0):
    """Fit a support-vector regressor with an RBF kernel in a scaled pipeline.

    Errors smaller than ``epsilon`` (in the units of y) cost nothing: the fit is a
    tube of half-width ``epsilon`` around the curve.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    model = make_pipeline(StandardScaler(), SVR(C=C, epsilon=epsilon, gamma=gamma))
    return model.fit(x, y)


def epsilon_insensitive(y, y_pred, epsilon: float) -> np.ndarray:
    """Return the epsilon-insensitive loss of each prediction.

    max(0, |y - y_pred| - epsilon): zero inside the tube, linear outside it.
    """
    return np.maximum(0.0, np.abs(np.asarray(y) - np.asarray(y_pred)) - epsilon)


def draw_svr_tube(model, x, y, ax=None):
    """Draw an SVR fit, its epsilon-tube and its support vectors (circled).

    ``model`` is a fitted ``svr_tube`` pipeline; ``x`` has shape (n, 1).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2))
    svr = model[-1]
    grid = np.linspace(x.min(), x.max(), 300)[:, None]
    fit = model.predict(grid)
    ax.fill_between(
        grid[:, 0],
        fit - svr.epsilon,
        fit + svr.epsilon,
        color="tab:orange",
        alpha=0.25,
        label=f"ε-tube (ε = {svr.epsilon:g})",
    )
    ax.plot(grid[:, 0], fit, color="tab:orange", lw=2, label="SVR fit")
    ax.scatter(x[:, 0], y, color="black", s=16, zorder=3, label="data")
    sv = svr.support_
    ax.scatter(
        x[sv, 0],
        np.asarray(y)[sv],
        s=110,
        facecolors="none",
        edgecolors="tab:blue",
        linewidths=1.5,
        zorder=4,
        label=f"support vectors ({len(sv)})",
    )
    ax.set(title="Support vector regression and its ε-tube", xlabel="x", ylabel="y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    return ax
