"""Chapter *Random forest*: bagged trees, out-of-bag score, and two kinds of feature importance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

#: Per-profile settings: forest size, the sizes of the accuracy-vs-trees curve, and the
#: number of shuffles per feature in permutation importance.
SETTINGS = freeze(
    {
        "full": {
            "n_estimators": 300,
            "tree_counts": (15, 25, 50, 100, 200, 300, 500),
            "n_repeats": 10,
        },
        "quick": {"n_estimators": 100, "tree_counts": (15, 30, 60, 120), "n_repeats": 5},
    }
)

#: The notes' example, verbatim (four cells joined).
SEED_CODE = """\
from sklearn.ensemble import RandomForestClassifier
model = RandomForestClassifier()
model.fit(X_train, y_train)
y_pred = model.predict(X_test)
"""


def run_seed_code(code: str = SEED_CODE) -> str:
    """Run the notes' code in a fresh namespace; return ``"Type: message"`` of its error."""
    return run_notes_code(code)


def load_with_noise(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Load the breast-cancer data plus two columns of pure noise.

    Returns
    -------
    X : DataFrame, shape (569, 32)
        The 30 measurements, ``random_num`` (standard normal) and ``random_cat`` (a
        random integer code with 100 values). Neither can carry any information about
        the diagnosis, so any importance they receive is an artefact.
    y : Series, shape (569,)
        0 = malignant, 1 = benign.
    """
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(seed)
    X = X.assign(random_num=rng.normal(size=len(X)), random_cat=rng.integers(0, 100, size=len(X)))
    return X, y


def cardinality_demo(
    n: int = 2000, flip: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """Make data on which impurity importance prefers noise to signal.

    The label copies a yes/no column, except that a share *flip* of the labels is
    flipped at random; a second column is pure noise with a distinct value in every row.
    A fully grown tree splits on the yes/no column once, then memorises the flipped
    labels with splits on the noise column, and each of those splits reduces the
    training impurity too.

    Returns
    -------
    X : DataFrame, shape (n, 2)
        ``signal (yes/no)``: 0 or 1, and ``noise (continuous)``: standard normal.
    y : Series, shape (n,)
        ``signal`` with a share *flip* of the values flipped.
    """
    rng = np.random.default_rng(seed)
    signal = rng.integers(0, 2, size=n)
    noise = rng.normal(size=n)
    flipped = rng.uniform(size=n) < flip
    X = pd.DataFrame({"signal (yes/no)": signal, "noise (continuous)": noise})
    return X, pd.Series(np.where(flipped, 1 - signal, signal), name="label")


def forest(n_estimators: int = 100, seed: int = 0, **kwargs):
    """Make a ``RandomForestClassifier`` with the out-of-bag score on and a fixed seed."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=n_estimators, oob_score=True, random_state=seed, n_jobs=1, **kwargs
    )


def accuracy_vs_trees(X_train, y_train, X_test, y_test, tree_counts, seed: int = 0) -> pd.DataFrame:
    """Grow one forest tree by tree (``warm_start``); OOB and test accuracy at each size.

    Parameters
    ----------
    tree_counts : increasing sequence of int
        Forest sizes at which to score. Each step only adds trees, so the whole curve
        costs as much as the largest forest.

    Returns
    -------
    DataFrame
        Columns ``trees``, ``OOB accuracy``, ``test accuracy``.
    """
    model = forest(tree_counts[0], seed, warm_start=True)
    rows = []
    for n in tree_counts:
        model.set_params(n_estimators=n)
        with warnings.catch_warnings():
            # with very few trees a few samples are in every bootstrap sample (no OOB vote)
            warnings.filterwarnings("ignore", message="Some inputs do not have OOB scores")
            model.fit(X_train, y_train)
        rows.append(
            {
                "trees": n,
                "OOB accuracy": model.oob_score_,
                "test accuracy": model.score(X_test, y_test),
            }
        )
    return pd.DataFrame(rows)


def importances(model, X_test, y_test, n_repeats: int = 10, seed: int = 0) -> pd.DataFrame:
    """Impurity-based (MDI) and permutation importance of every feature of a fitted forest.

    Parameters
    ----------
    model : fitted RandomForestClassifier
    X_test : DataFrame, shape (n_test, n_features)
        Held-out data: permutation importance measures how much the *test* accuracy drops
        when one column is shuffled.

    Returns
    -------
    DataFrame
        Indexed by feature, columns ``impurity`` (sums to 1, from the training data),
        ``permutation`` (mean accuracy drop) and ``permutation std``; sorted by impurity.
    """
    from sklearn.inspection import permutation_importance

    perm = permutation_importance(
        model, X_test, y_test, n_repeats=n_repeats, random_state=seed, n_jobs=1
    )
    return pd.DataFrame(
        {
            "impurity": model.feature_importances_,
            "permutation": perm.importances_mean,
            "permutation std": perm.importances_std,
        },
        index=X_test.columns,
    ).sort_values("impurity", ascending=False)
