"""Chapter *Decision trees*: fitting, drawing and limiting the depth of a classification tree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

#: Per-profile settings: the depths tried in the depth curve and the boundary plots.
SETTINGS = freeze(
    {
        "full": {"max_depth": 8, "boundary_depths": (1, 3, None)},
        "quick": {"max_depth": 8, "boundary_depths": (1, 3, None)},
    }
)

#: The notes' example, verbatim (four cells joined).
SEED_CODE = """\
from sklearn.tree import DecisionTreeClassifier
model = DecisionTreeClassifier()
model.fit(X_train, y_train)
y_pred = model.predict(X_test)
"""


def run_seed_code(code: str = SEED_CODE) -> str:
    """Run the notes' code in a fresh namespace; return ``"Type: message"`` of its error.

    Returns ``"no error"`` if it runs. The notes never create ``X_train`` or ``y_train``.
    """
    return run_notes_code(code)


def depth_curve(X_train, y_train, X_test, y_test, depths, seed: int = 0) -> pd.DataFrame:
    """Fit one tree per maximum depth; training and test accuracy and the size of each tree.

    Parameters
    ----------
    X_train, X_test : array-like, shape (n_train, n_features), (n_test, n_features)
    y_train, y_test : array-like, shape (n_train,), (n_test,)
    depths : iterable of int or None
        ``None`` grows the tree until every leaf is pure.

    Returns
    -------
    DataFrame
        One row per depth: ``max_depth``, ``depth`` (the depth actually reached),
        ``leaves``, ``train accuracy``, ``test accuracy``.
    """
    from sklearn.tree import DecisionTreeClassifier

    rows = []
    for d in depths:
        tree = DecisionTreeClassifier(max_depth=d, random_state=seed).fit(X_train, y_train)
        rows.append(
            {
                "max_depth": "none" if d is None else d,
                "depth": tree.get_depth(),
                "leaves": tree.get_n_leaves(),
                "train accuracy": tree.score(X_train, y_train),
                "test accuracy": tree.score(X_test, y_test),
            }
        )
    return pd.DataFrame(rows)


def plot_boundaries(
    X_train, y_train, X_test, y_test, depths, *, feature_names, class_names, seed: int = 0
):
    """Decision regions of trees of several depths on two features, one panel per depth.

    Parameters
    ----------
    X_train, X_test : ndarray, shape (n, 2)
        Exactly two features, so the regions can be drawn in the plane.
    depths : sequence of int or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay
    from sklearn.tree import DecisionTreeClassifier

    colors = [plt.cm.Set1(k) for k in range(len(class_names))]
    fig, axes = plt.subplots(1, len(depths), figsize=(4.6 * len(depths), 4.3), sharey=True)
    for ax, d in zip(np.atleast_1d(axes), depths):
        tree = DecisionTreeClassifier(max_depth=d, random_state=seed).fit(X_train, y_train)
        DecisionBoundaryDisplay.from_estimator(
            tree,
            X_train,
            ax=ax,
            response_method="predict",
            plot_method="pcolormesh",
            multiclass_colors=colors,
            alpha=0.25,
            xlabel=feature_names[0],
            ylabel=feature_names[1],
            grid_resolution=200,
        )
        for k, name in enumerate(class_names):
            ax.scatter(
                *X_train[y_train == k].T,
                s=18,
                color=colors[k],
                edgecolor="k",
                linewidth=0.4,
                label=name,
            )
        ax.set_title(
            f"max_depth={d}: train {tree.score(X_train, y_train):.0%}, "
            f"test {tree.score(X_test, y_test):.0%}",
            fontsize=10,
        )
    np.atleast_1d(axes)[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
