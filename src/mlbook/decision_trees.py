"""Chapter *Decision trees*: fitting, drawing and limiting the depth of a classification tree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

#: Per-profile settings: the depths tried in the depth curve and the boundary plots, and
#: the cross-validation that scores each depth (``cv_repeats`` shuffled ``cv_folds``-fold
#: splits of the training part).
SETTINGS = freeze(
    {
        "full": {
            "max_depth": 8,
            "boundary_depths": (1, 3, None),
            "cv_folds": 10,
            "cv_repeats": 3,
        },
        "quick": {
            "max_depth": 8,
            "boundary_depths": (1, 3, None),
            "cv_folds": 10,
            "cv_repeats": 3,
        },
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


def depth_curve(
    X,
    y,
    depths,
    *,
    n_splits: int = 10,
    n_repeats: int = 5,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cross-validate one tree per maximum depth on the training part *X*, *y*.

    Every depth is scored on the same folds: ``n_repeats`` shuffled, stratified
    ``n_splits``-fold splits of *X* (``RepeatedStratifiedKFold``). No test data is used.

    Parameters
    ----------
    X : array-like, shape (n, n_features)
    y : array-like, shape (n,)
    depths : sequence of int or None
        ``None`` grows the tree until every leaf is pure.

    Returns
    -------
    table : DataFrame
        One row per depth: ``max_depth`` (``"none"`` for None), ``depth`` and ``leaves``
        of the tree grown on all of *X*, ``train accuracy`` and ``CV accuracy`` (means
        over the folds), ``CV std`` (spread of the single folds).
    train_scores, cv_scores : DataFrame, shape (len(depths), n_splits * n_repeats)
        Accuracy on each fold's training part and on its held-out part, one row per
        ``max_depth`` label, one column per fold.
    """
    from sklearn.model_selection import RepeatedStratifiedKFold, validation_curve
    from sklearn.tree import DecisionTreeClassifier

    depths = list(depths)
    labels = ["none" if d is None else d for d in depths]
    folds = RepeatedStratifiedKFold(
        n_splits=n_splits,
        n_repeats=n_repeats,
        random_state=seed,
    )
    train, held_out = validation_curve(
        DecisionTreeClassifier(random_state=seed),
        X,
        y,
        param_name="max_depth",
        param_range=depths,
        cv=folds,
    )
    trees = [DecisionTreeClassifier(max_depth=d, random_state=seed) for d in depths]
    trees = [tree.fit(X, y) for tree in trees]
    table = pd.DataFrame(
        {
            "max_depth": labels,
            "depth": [tree.get_depth() for tree in trees],
            "leaves": [tree.get_n_leaves() for tree in trees],
            "train accuracy": train.mean(axis=1),
            "CV accuracy": held_out.mean(axis=1),
            "CV std": held_out.std(axis=1),
        }
    )
    index = pd.Index(labels, name="max_depth", dtype=object)
    return table, pd.DataFrame(train, index=index), pd.DataFrame(held_out, index=index)


def versus_chosen(cv_scores: pd.DataFrame, chosen, n_splits: int) -> pd.DataFrame:
    """Compare every depth's fold scores with the chosen depth's, with their noise.

    *cv_scores* is ``depth_curve``'s, *chosen* one of its row labels, *n_splits* the K
    of its folds. Returns one row per depth: ``CV accuracy``, ``difference`` from the
    chosen depth with its 95 % noise, and the ``verdict`` of the depth against it
    (``mlbook.regression.compare_folds``); the chosen row says ``chosen``.
    """
    from mlbook.regression import compare_folds

    rows = {}
    for label, scores in cv_scores.iterrows():
        verdict = compare_folds(scores, cv_scores.loc[chosen], n_splits)
        rows[label] = {
            "CV accuracy": scores.mean(),
            "difference": "" if label == chosen else verdict.interval(),
            "verdict": "chosen" if label == chosen else verdict.word,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("max_depth")


def plot_boundaries(
    X_train,
    y_train,
    X_test,
    y_test,
    depths,
    *,
    feature_names,
    class_names,
    seed: int = 0,
    panel_size: tuple[float, float] = (2.5, 3.3),
):
    """Decision regions of trees of several depths on two features, a panel per depth.

    Parameters
    ----------
    X_train, X_test : ndarray, shape (n, 2)
        Exactly two features, so the regions can be drawn in the plane.
    depths : sequence of int or None

    Returns
    -------
    matplotlib.figure.Figure
        The panels side by side, the legend of the classes below them.
    """
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay
    from sklearn.tree import DecisionTreeClassifier

    colors = [plt.cm.Set1(k) for k in range(len(class_names))]
    fig, axes = plt.subplots(
        1,
        len(depths),
        figsize=(panel_size[0] * len(depths), panel_size[1]),
        sharey=True,
        layout="constrained",
    )
    axes = np.atleast_1d(axes)
    for ax, d in zip(axes, depths):
        tree = DecisionTreeClassifier(max_depth=d, random_state=seed)
        tree.fit(X_train, y_train)
        DecisionBoundaryDisplay.from_estimator(
            tree,
            X_train,
            ax=ax,
            response_method="predict",
            plot_method="pcolormesh",
            multiclass_colors=colors,
            alpha=0.25,
            xlabel=feature_names[0],
            ylabel=feature_names[1] if ax is axes[0] else "",
            grid_resolution=200,
        )
        for k, name in enumerate(class_names):
            ax.scatter(
                *X_train[y_train == k].T,
                s=12,
                color=colors[k],
                edgecolor="k",
                linewidth=0.4,
                label=name,
            )
        ax.set_title(
            f"max_depth={d}\ntrain {tree.score(X_train, y_train):.0%}, "
            f"test {tree.score(X_test, y_test):.0%}",
            fontsize=9,
        )
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside lower center",
        ncol=len(class_names),
    )
    return fig


def explore_depths(
    X_train,
    y_train,
    X_test,
    y_test,
    depths,
    *,
    feature_names,
    class_names,
    seed: int = 0,
):
    """Frames for an explorable figure: the regions and accuracies of a tree per depth.

    Each frame is :func:`plot_boundaries` with one panel, all of one size, for
    :func:`mlbook.explorable.frames_player`.

    Returns
    -------
    frames : list of matplotlib.figure.Figure
        One per depth.
    rows : list of dict
        One per depth: ``max_depth``, ``leaves``, ``train`` and ``test`` (accuracies).
    """
    from sklearn.tree import DecisionTreeClassifier

    frames, rows = [], []
    for d in depths:
        tree = DecisionTreeClassifier(max_depth=d, random_state=seed)
        tree.fit(X_train, y_train)
        rows.append(
            {
                "max_depth": d,
                "leaves": int(tree.get_n_leaves()),
                "train": float(tree.score(X_train, y_train)),
                "test": float(tree.score(X_test, y_test)),
            }
        )
        frames.append(
            plot_boundaries(
                X_train,
                y_train,
                X_test,
                y_test,
                [d],
                feature_names=feature_names,
                class_names=class_names,
                seed=seed,
                panel_size=(4.4, 4.2),
            )
        )
    return frames, rows


def tidy_tree(nodes) -> int:
    """Keep the arrows of a ``plot_tree`` drawing out of its texts.

    ``plot_tree`` points every arrow at the centre of the parent node (the end hides
    under the parent's box) and writes True/False in the middle of the two arrows under
    the root. This ends each arrow at the edge of its parent's box instead, and hides
    True/False (the left arrow is always True: say so in the caption). *nodes* is the
    list of annotations ``plot_tree`` returns; returns how many arrows were clipped.
    """
    boxed = [a for a in nodes if a.get_bbox_patch() is not None]
    clipped = 0
    for child in boxed:
        if child.arrow_patch is None:
            continue
        for parent in boxed:
            if parent is not child and np.allclose(parent.xyann, child.xy):
                child.arrow_patch.set_patchB(parent.get_bbox_patch())
                clipped += 1
                break
    for label in nodes:
        if label.get_bbox_patch() is None:
            label.set_visible(False)
    return clipped


def gini(y) -> float:
    """Gini impurity of the labels *y*: one minus the sum of the squared class shares.

    Parameters
    ----------
    y : array-like, shape (n,)
        Class labels of the samples in a node (at least one).
    """
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    return float(1 - np.sum(p**2))


def entropy(y) -> float:
    """Entropy of the labels *y* in bits: minus the sum of p log2 p over the classes."""
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log2(p)))


def split_gain(y, goes_left, impurity=gini) -> float:
    """Impurity decrease of a split: parent impurity minus weighted child impurity.

    Parameters
    ----------
    y : array-like, shape (n,)
        Labels of the samples reaching the node.
    goes_left : array-like of bool, shape (n,)
        Which samples the question sends to the left child (both children non-empty).
    impurity : callable
        :func:`gini` or :func:`entropy`.
    """
    y, left = np.asarray(y), np.asarray(goes_left, dtype=bool)
    share = left.mean()
    children = share * impurity(y[left]) + (1 - share) * impurity(y[~left])
    return impurity(y) - children


def best_split(X, y, impurity=gini) -> tuple[int, float, float]:
    """Search every feature and every threshold for the split with the largest gain.

    Thresholds are the midpoints between consecutive distinct values of a feature, as in
    scikit-learn. Ties keep the first feature found.

    Returns
    -------
    feature : int
    threshold : float
        Samples with ``X[:, feature] <= threshold`` go left.
    gain : float
        :func:`split_gain` of that split.
    """
    X = np.asarray(X, dtype=float)
    best = (-1, np.nan, -np.inf)
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        for t in (values[:-1] + values[1:]) / 2:
            gain = split_gain(y, X[:, j] <= t, impurity)
            if gain > best[2] + 1e-12:
                best = (j, float(t), gain)
    return best


def tree_split_gain(tree, node: int = 0) -> float:
    """Return the impurity decrease a fitted scikit-learn tree recorded at *node*."""
    t = tree.tree_
    left, right = t.children_left[node], t.children_right[node]
    n = t.weighted_n_node_samples
    children = (n[left] * t.impurity[left] + n[right] * t.impurity[right]) / n[node]
    return float(t.impurity[node] - children)


def partition_levels(tree, bounds) -> list[list[tuple]]:
    """Return the rectangles a two-feature tree cuts the plane into, level by level.

    Parameters
    ----------
    tree : fitted DecisionTreeClassifier on two features
    bounds : (x_min, x_max, y_min, y_max)
        The part of the plane to cut.

    Returns
    -------
    list
        One entry per level ``1 .. tree depth``: the regions after that many levels of
        questions, each ``(x0, x1, y0, y1, node)``; a leaf reached earlier stays as it is.
    """
    t = tree.tree_
    frontier = [(*bounds, 0)]
    levels = []
    for _ in range(tree.get_depth()):
        grown = []
        for x0, x1, y0, y1, node in frontier:
            f, thr = t.feature[node], t.threshold[node]
            if t.children_left[node] == -1:
                grown.append((x0, x1, y0, y1, node))
            elif f == 0:
                grown += [(x0, thr, y0, y1, t.children_left[node])]
                grown += [(thr, x1, y0, y1, t.children_right[node])]
            else:
                grown += [(x0, x1, y0, thr, t.children_left[node])]
                grown += [(x0, x1, thr, y1, t.children_right[node])]
        levels.append(grown)
        frontier = grown
    return levels


def draw_partition(tree, X, y, *, feature_names, class_names, ncols: int = 3):
    """Draw how a two-feature tree cuts the plane, one panel per level of questions.

    Each panel shades the regions after that level by their majority class and draws the
    cuts made at that level as thick black lines (earlier cuts thin and grey).

    Returns
    -------
    matplotlib.figure.Figure
        Panel ``k`` holds one ``Rectangle`` patch per region and one line per cut.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    bounds = (X[:, 0].min() - pad[0], X[:, 0].max() + pad[0])
    bounds += (X[:, 1].min() - pad[1], X[:, 1].max() + pad[1])
    levels = partition_levels(tree, bounds)
    colors = [plt.cm.Set1(k) for k in range(len(class_names))]
    nrows = -(-len(levels) // ncols)
    ncol = min(ncols, len(levels))
    fig, axes = plt.subplots(
        nrows, ncol, figsize=(7, 2.9 * nrows), sharex=True, sharey=True, squeeze=False
    )
    t = tree.tree_
    old_cuts = []
    for k, (ax, regions) in enumerate(zip(axes.flat, levels), start=1):
        cuts = []
        for x0, x1, y0, y1, node in regions:
            majority = int(np.argmax(t.value[node][0]))
            ax.add_patch(
                Rectangle((x0, y0), x1 - x0, y1 - y0, color=colors[majority], alpha=0.25, lw=0)
            )
        previous = levels[k - 2] if k > 1 else [(*bounds, 0)]
        for x0, x1, y0, y1, node in previous:
            if t.children_left[node] == -1:
                continue
            thr = t.threshold[node]
            cuts.append(([thr, thr], [y0, y1]) if t.feature[node] == 0 else ([x0, x1], [thr, thr]))
        for xs, ys in old_cuts:
            ax.plot(xs, ys, color="0.5", lw=0.8)
        for xs, ys in cuts:
            ax.plot(xs, ys, color="k", lw=2)
        old_cuts += cuts
        for c, name in enumerate(class_names):
            ax.scatter(*X[y == c].T, s=10, color=colors[c], edgecolor="k", lw=0.3, label=name)
        ax.set_title(f"level {k}: {len(regions)} regions", fontsize=11)
        ax.set_xlim(bounds[:2])
        ax.set_ylim(bounds[2:])
    axes.flat[0].legend(loc="upper left", fontsize=9, handletextpad=0.2, borderpad=0.3)
    for ax in axes.flat[len(levels) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(feature_names[0])
    for ax in axes[:, 0]:
        ax.set_ylabel(feature_names[1])
    fig.tight_layout()
    return fig
