"""Chapter *Classification problems*: logistic regression, cross-validation and model selection."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mlbook.profile import freeze

#: Per-profile settings: folds, the grid of C values searched, learning-curve sizes.
SETTINGS = freeze(
    {
        "full": {"cv_folds": 5, "n_C": 13, "curve_sizes": 8},
        "quick": {"cv_folds": 5, "n_C": 7, "curve_sizes": 5},
    }
)


def load_data() -> tuple[pd.DataFrame, pd.Series]:
    """Load the breast-cancer data that ships with scikit-learn (Wisconsin diagnostic).

    Returns
    -------
    X : DataFrame, shape (569, 30)
        Measurements of cell nuclei in a biopsy image (radius, texture, ...).
    y : Series, shape (569,)
        0 = malignant, 1 = benign.
    """
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y.rename("benign")


def seed_cross_validation(X, y, cv: int = 5) -> tuple[np.ndarray, list[str]]:
    """Run the notes' model selection: ``cross_val_score(LogisticRegression(), X, y, cv=5)``.

    The call is the notes' own, verbatim.

    Returns
    -------
    scores : ndarray, shape (cv,)
        Accuracy on each fold.
    messages : list of str
        The warnings it raised (one ``ConvergenceWarning`` per fold on unscaled data).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = cross_val_score(LogisticRegression(), X, y, cv=cv)
    return scores, [f"{w.category.__name__}: {w.message}" for w in caught]


def scaled_logistic(C: float = 1.0):
    """``StandardScaler`` → ``LogisticRegression(C)`` as one pipeline.

    Inside cross-validation the scaler is fitted on the training folds only, so the
    held-out fold stays unseen.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def grid_search_C(X, y, Cs: np.ndarray, cv: int = 5):
    """Search the regularisation strength ``C`` of ``scaled_logistic`` by cross-validation.

    Returns
    -------
    GridSearchCV
        Fitted; ``best_params_``, ``best_score_`` and ``cv_results_`` hold the search, and
        ``best_estimator_`` is refitted on all of ``X``.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    search = GridSearchCV(
        scaled_logistic(),
        {"logisticregression__C": list(Cs)},
        cv=StratifiedKFold(cv, shuffle=True, random_state=0),
        scoring="accuracy",
        return_train_score=True,
    )
    return search.fit(X, y)


def search_table(search) -> pd.DataFrame:
    """Tabulate the grid search: one row per ``C``, mean/std of train and CV accuracy."""
    res = search.cv_results_
    return pd.DataFrame(
        {
            "C": np.asarray(res["param_logisticregression__C"], dtype=float),
            "train accuracy": res["mean_train_score"],
            "CV accuracy": res["mean_test_score"],
            "CV std": res["std_test_score"],
        }
    )


def validation_display(search):
    """Draw a ``ValidationCurveDisplay`` of a fitted ``grid_search_C`` from its fold scores.

    The search already scored every ``C`` on every fold; this draws those scores
    (no refitting), training and cross-validation, mean and spread.
    """
    from sklearn.model_selection import ValidationCurveDisplay

    res = search.cv_results_
    n_splits = search.n_splits_
    train = np.column_stack([res[f"split{i}_train_score"] for i in range(n_splits)])
    test = np.column_stack([res[f"split{i}_test_score"] for i in range(n_splits)])
    Cs = np.asarray(res["param_logisticregression__C"], dtype=float)
    return ValidationCurveDisplay(
        param_name="C", param_range=Cs, train_scores=train, test_scores=test, score_name="accuracy"
    )
