"""Chapter *Ensemble learning*: bagging, boosting, voting and stacking, compared.

The comparison is by cross-validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlbook.profile import freeze

#: Per-profile settings: members per ensemble, CV folds, and boosting rounds of the staged curve.
SETTINGS = freeze(
    {
        "full": {"n_estimators": 200, "cv_folds": 5, "staged_rounds": 400},
        "quick": {"n_estimators": 30, "cv_folds": 3, "staged_rounds": 150},
    }
)


def base_learners(seed: int = 0) -> list[tuple[str, object]]:
    """Three different classifiers for voting and stacking: linear, nearest-neighbour, forest."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return [
        ("logistic", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
        ("knn", make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=7))),
        ("forest", RandomForestClassifier(n_estimators=50, random_state=seed)),
    ]


def make_ensembles(n_estimators: int = 100, seed: int = 0) -> dict[str, object]:
    """Make a single tree (the baseline) and seven ensembles, all with a fixed ``random_state``.

    Returns
    -------
    dict
        ``name -> unfitted estimator``. Bagging and the forest average deep trees;
        AdaBoost and the two gradient-boosting models add shallow trees one after
        another, each correcting the previous ones; voting averages the predicted
        probabilities of ``base_learners``, stacking learns how to combine them.
    """
    from sklearn.ensemble import (
        AdaBoostClassifier,
        BaggingClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    return {
        "single tree": DecisionTreeClassifier(random_state=seed),
        "bagging (trees)": BaggingClassifier(
            DecisionTreeClassifier(), n_estimators=n_estimators, random_state=seed
        ),
        "random forest": RandomForestClassifier(n_estimators=n_estimators, random_state=seed),
        "AdaBoost (stumps)": AdaBoostClassifier(n_estimators=n_estimators, random_state=seed),
        "gradient boosting": GradientBoostingClassifier(
            n_estimators=n_estimators, random_state=seed
        ),
        "hist. gradient boosting": HistGradientBoostingClassifier(
            max_iter=n_estimators, random_state=seed
        ),
        "voting (soft)": VotingClassifier(base_learners(seed), voting="soft"),
        "stacking": StackingClassifier(
            base_learners(seed), final_estimator=LogisticRegression(max_iter=1000), cv=5
        ),
    }


def compare(models: dict[str, object], X, y, cv: int = 5, seed: int = 0) -> pd.DataFrame:
    """Cross-validate every model on the same folds: accuracy and time.

    Every fit runs on one thread (``threadpool_limits(1)``), so the times compare the
    algorithms, not how well each uses the cores of a busy machine.

    Returns
    -------
    DataFrame
        Indexed by model name, sorted by accuracy: ``accuracy`` and ``accuracy std`` over
        the folds, ``fit time (s)`` and ``predict time (s)`` per fold.
    """
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from threadpoolctl import threadpool_limits

    folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
    rows = {}
    for name, model in models.items():
        with threadpool_limits(1):
            res = cross_validate(model, X, y, cv=folds, n_jobs=1)
        rows[name] = {
            "accuracy": res["test_score"].mean(),
            "accuracy std": res["test_score"].std(),
            "fit time (s)": res["fit_time"].mean(),
            "predict time (s)": res["score_time"].mean(),
        }
    return pd.DataFrame(rows).T.sort_values("accuracy", ascending=False)


def staged_accuracy(model, X_train, y_train, X_test, y_test) -> pd.DataFrame:
    """Fit a boosting model and score it after every boosting round.

    Parameters
    ----------
    model : AdaBoostClassifier or GradientBoostingClassifier
        Anything with ``staged_predict``.

    Returns
    -------
    DataFrame
        Columns ``round`` (1, 2, ...), ``train accuracy``, ``test accuracy``.
    """
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    model.fit(X_train, y_train)
    train = [np.mean(p == y_train) for p in model.staged_predict(X_train)]
    test = [np.mean(p == y_test) for p in model.staged_predict(X_test)]
    return pd.DataFrame(
        {"round": np.arange(1, len(train) + 1), "train accuracy": train, "test accuracy": test}
    )
