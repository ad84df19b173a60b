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

#: The label of a malignant tumour in ``load_breast_cancer`` (benign is 1). A diagnosis
#: is about finding the malignant ones, so the error analysis treats them as positive.
MALIGNANT = 0


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


def malignant_probability(model, X) -> np.ndarray:
    """Return the predicted probability that each tumour is malignant, shape (n,).

    ``model`` is a fitted classifier with ``predict_proba``; its column for the class
    ``MALIGNANT`` is returned. ``model.predict`` says *malignant* exactly when this
    probability is at least one half.
    """
    column = list(model.classes_).index(MALIGNANT)
    return model.predict_proba(X)[:, column]


def threshold_table(y_true, p_malignant: np.ndarray, thresholds) -> pd.DataFrame:
    """Count what each decision threshold costs, calling a tumour malignant when ``p >= threshold``.

    Parameters
    ----------
    y_true : array-like, shape (n,)
        True labels (``MALIGNANT`` or benign).
    p_malignant : ndarray, shape (n,)
        Predicted probability of malignancy (see ``malignant_probability``).
    thresholds : iterable of float

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold``, ``malignant found`` (true positives),
        ``malignant missed`` (false negatives), ``false alarms`` (benign called
        malignant), ``recall`` and ``precision`` of the malignant class, ``accuracy``.
    """
    malignant = np.asarray(y_true) == MALIGNANT
    p_malignant = np.asarray(p_malignant)
    rows = []
    for t in thresholds:
        flagged = p_malignant >= t
        tp = int(np.sum(flagged & malignant))
        fp = int(np.sum(flagged & ~malignant))
        fn = int(np.sum(~flagged & malignant))
        rows.append(
            {
                "threshold": float(t),
                "malignant found": tp,
                "malignant missed": fn,
                "false alarms": fp,
                "recall": tp / max(tp + fn, 1),
                "precision": tp / max(tp + fp, 1),
                "accuracy": float(np.mean(flagged == malignant)),
            }
        )
    return pd.DataFrame(rows)


def threshold_for_recall(y_true, p_malignant: np.ndarray, target: float) -> float:
    """Return the highest threshold at which the recall of malignant tumours reaches *target*.

    Calling a tumour malignant when ``p >= threshold`` then finds at least a share
    *target* of the malignant tumours in ``y_true``. Choose it on training data (e.g.
    cross-validated probabilities), never on the test set that will judge it.
    """
    p = np.sort(np.asarray(p_malignant)[np.asarray(y_true) == MALIGNANT])[::-1]
    if len(p) == 0:
        raise ValueError("no malignant tumour in y_true")
    needed = int(np.ceil(target * len(p) - 1e-9))  # malignant tumours that must be found
    return float(p[max(needed, 1) - 1])
