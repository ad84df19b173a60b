"""Chapter *Regression models*: linear, polynomial and support-vector regression.

Each is judged on held-out data.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

#: Per-profile settings. The data are small; ``quick`` only tries fewer polynomial degrees.
#: ``cv_repeats``: how many times the validation curve repeats its shuffled K-fold split.
SETTINGS = freeze(
    {
        "full": {
            "cv_folds": 5,
            "cv_repeats": 10,
            "max_degree": 15,
            "curve_points": 40,
            "svr_C": 30.0,
        },
        "quick": {
            "cv_folds": 5,
            "cv_repeats": 10,
            "max_degree": 10,
            "curve_points": 40,
            "svr_C": 30.0,
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
            preprocessor(), PolynomialFeatures(degree, include_bias=False), LinearRegression()
        ),
        "SVR (RBF kernel)": make_pipeline(preprocessor(), SVR(C=svr_C, epsilon=1.0, gamma=0.01)),
    }


def in_sample_vs_held_out(models: dict, X_train, X_test, y_train, y_test) -> pd.DataFrame:
    """Fit each model on the training part; MSE on the training part and on the test part.

    Returns
    -------
    DataFrame
        One row per model, columns ``in-sample MSE``, ``held-out MSE`` and their ratio
        ``optimism`` (held-out / in-sample; above 1 when in-sample error flatters the model).
    """
    from sklearn.metrics import mean_squared_error

    rows = {}
    for name, model in models.items():
        model.fit(X_train, y_train)
        train = mean_squared_error(y_train, model.predict(X_train))
        test = mean_squared_error(y_test, model.predict(X_test))
        rows[name] = {"in-sample MSE": train, "held-out MSE": test, "optimism": test / train}
    return pd.DataFrame(rows).T


def cross_validated_scores(models: dict, X, y, cv: int = 5, seed: int = 0) -> pd.DataFrame:
    """MSE, MAE and R² of each model by K-fold cross-validation (shuffled folds).

    Returns
    -------
    DataFrame
        One row per model; columns ``MSE``, ``MAE``, ``R2`` (means over the folds) and
        ``R2 std`` (their spread).
    """
    from sklearn.model_selection import KFold, cross_validate

    folds = KFold(cv, shuffle=True, random_state=seed)
    rows = {}
    for name, model in models.items():
        res = cross_validate(
            model,
            X,
            y,
            cv=folds,
            scoring=["neg_mean_squared_error", "neg_mean_absolute_error", "r2"],
        )
        rows[name] = {
            "MSE": -res["test_neg_mean_squared_error"].mean(),
            "MAE": -res["test_neg_mean_absolute_error"].mean(),
            "R2": res["test_r2"].mean(),
            "R2 std": res["test_r2"].std(),
        }
    return pd.DataFrame(rows).T


def make_curve_data(
    n: int = 40, noise: float = 0.25, seed: int = 0
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
