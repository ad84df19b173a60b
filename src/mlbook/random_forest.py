"""Chapter *Random forest*: bagged trees, out-of-bag score, and two kinds of feature importance."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd

from mlbook.notes import run_notes_code
from mlbook.profile import freeze
from mlbook.typeset import plural

#: Per-profile settings: forest size, the sizes of the accuracy-vs-trees curve, the
#: number of shuffles per feature in permutation importance, the training sets
#: ("worlds") and trees per world of the variance experiment, the cross-validation that
#: compares a forest (of ``cv_trees`` trees) with a tree on the training part, the
#: grid of the decision-region pictures, and the forest sizes of the explorable figure
#: (``explore_trees``; the largest is ``n_estimators``, the forest of the regions figure).
SETTINGS = freeze(
    {
        "full": {
            "n_estimators": 300,
            "tree_counts": (15, 25, 50, 100, 200, 300, 500),
            "n_repeats": 10,
            "variance_worlds": 12,
            "variance_trees": 50,
            "cv_folds": 10,
            "cv_repeats": 3,
            "cv_trees": 50,
            "region_resolution": 150,
            "explore_counts": (1, 2, 5, 10, 20, 50, 100, 200, 300),
        },
        "quick": {
            "n_estimators": 100,
            "tree_counts": (15, 30, 60, 120),
            "n_repeats": 5,
            "variance_worlds": 8,
            "variance_trees": 50,
            "cv_folds": 10,
            "cv_repeats": 2,
            "cv_trees": 50,
            "region_resolution": 100,
            "explore_counts": (1, 2, 5, 10, 20, 50, 100),
        },
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
    X = X.assign(
        random_num=rng.normal(size=len(X)),
        random_cat=rng.integers(0, 100, size=len(X)),
    )
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
    """Make a ``RandomForestClassifier`` with the out-of-bag score on, seeded."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=n_estimators, oob_score=True, random_state=seed, n_jobs=1, **kwargs
    )


def accuracy_vs_trees(
    X_train,
    y_train,
    X_test,
    y_test,
    tree_counts,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Grow one forest tree by tree (``warm_start``); OOB and test accuracy by size.

    Parameters
    ----------
    tree_counts : increasing sequence of int
        Forest sizes at which to score. Each step only adds trees, so the whole curve
        costs as much as the largest forest.

    Returns
    -------
    curve : DataFrame
        Columns ``trees``, ``OOB accuracy``, ``test accuracy``.
    right : dict
        ``"OOB"``: bool array, shape (len(tree_counts), n_train), whether each training
        row's out-of-bag vote was right; ``"test"``: the same for each test row. Paired
        by row, they compare two sizes of the forest with their noise.
    """
    model = forest(tree_counts[0], seed, warm_start=True)
    rows, right = [], {"OOB": [], "test": []}
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    for n in tree_counts:
        model.set_params(n_estimators=n)
        with warnings.catch_warnings():
            # with very few trees, some rows are in every bootstrap sample (no OOB vote)
            no_oob = "Some inputs do not have OOB scores"
            warnings.filterwarnings("ignore", message=no_oob)
            warnings.filterwarnings("ignore", message="invalid value encountered")
            model.fit(X_train, y_train)
        votes = np.nan_to_num(model.oob_decision_function_)  # no vote: counts as wrong
        right["OOB"].append(model.classes_[votes.argmax(axis=1)] == y_train)
        right["test"].append(model.predict(X_test) == y_test)
        rows.append(
            {
                "trees": n,
                "OOB accuracy": model.oob_score_,
                "test accuracy": model.score(X_test, y_test),
            }
        )
    return pd.DataFrame(rows), {k: np.array(v) for k, v in right.items()}


def cv_accuracy(
    models: dict, X, y, n_splits: int = 10, n_repeats: int = 3, seed: int = 0
) -> pd.DataFrame:
    """Cross-validate each model on the same repeated, stratified K-fold splits of X, y.

    Returns
    -------
    DataFrame, shape (len(models), n_splits * n_repeats)
        Accuracy of each model (row) on each fold (column), to compare fold by fold.
    """
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score

    folds = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    scores = {name: cross_val_score(m, X, y, cv=folds) for name, m in models.items()}
    return pd.DataFrame(scores).T


def importances(
    model,
    X_test,
    y_test,
    n_repeats: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Impurity-based (MDI) and permutation importance of each feature of a forest.

    Parameters
    ----------
    model : fitted RandomForestClassifier
    X_test : DataFrame, shape (n_test, n_features)
        Held-out data: permutation importance measures how much the *test* accuracy
        drops when one column is shuffled.

    Returns
    -------
    DataFrame
        Indexed by feature, columns ``impurity`` (sums to 1, from the training
        data), ``permutation`` (mean accuracy drop) and ``permutation std``; sorted
        by impurity. ``attrs["shuffles"]`` holds each shuffle's accuracy drop (one row
        per feature, one column per shuffle).
    """
    from sklearn.inspection import permutation_importance

    perm = permutation_importance(
        model, X_test, y_test, n_repeats=n_repeats, random_state=seed, n_jobs=1
    )
    table = pd.DataFrame(
        {
            "impurity": model.feature_importances_,
            "permutation": perm.importances_mean,
            "permutation std": perm.importances_std,
        },
        index=X_test.columns,
    ).sort_values("impurity", ascending=False)
    table.attrs["shuffles"] = pd.DataFrame(perm.importances, index=X_test.columns)
    return table


# --- why averaging helps: the variance of a forest --------------------------------------


def forest_variance(sigma2: float, rho: float, n_trees):
    """Return the variance of an average of B trees: rho σ² + (1 - rho) σ² / B.

    *sigma2* is the variance of one tree's prediction, *rho* the correlation between
    the predictions of two trees grown on the same training set, and B is *n_trees*.
    """
    return rho * sigma2 + (1 - rho) * sigma2 / np.asarray(n_trees, dtype=float)


def tree_predictions(
    X, y, X_test, *, worlds: int, trees: int, train_size: float = 0.5, seed: int = 0, **kwargs
) -> np.ndarray:
    """Grow *trees* trees on each of *worlds* random training sets; return their predictions.

    Each "world" is a random subset (*train_size* of the rows, without replacement) of
    ``X, y``, standing for another training set the world could have given us; in each,
    a random forest grows *trees* trees (its own seed per world; *kwargs* go to
    ``RandomForestClassifier``, e.g. ``max_features``).

    Returns
    -------
    ndarray, shape (worlds, trees, n_test)
        Each tree's predicted probability of class 1 for each row of *X_test*.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    X, y, X_test = np.asarray(X), np.asarray(y), np.asarray(X_test)
    out = np.empty((worlds, trees, len(X_test)))
    for w in range(worlds):
        X_w, _, y_w, _ = train_test_split(
            X, y, train_size=train_size, stratify=y, random_state=seed + w
        )
        model = RandomForestClassifier(
            n_estimators=trees, random_state=seed + w, n_jobs=1, **kwargs
        ).fit(X_w, y_w)
        out[w] = [tree.predict_proba(X_test)[:, 1] for tree in model.estimators_]
    return out


def variance_vs_trees(P: np.ndarray, tree_counts) -> tuple[pd.DataFrame, float, float]:
    """Measure the variance of forests of B trees; compare it with ``forest_variance``.

    Parameters
    ----------
    P : ndarray, shape (worlds, trees, n_test)
        From ``tree_predictions``.
    tree_counts : sequence of int
        Forest sizes B (at most ``trees``); the forest of size B is the first B trees.

    Returns
    -------
    table : DataFrame
        ``trees``, ``measured`` (variance over the worlds of the average of B trees,
        averaged over the test rows) and ``formula`` (``forest_variance``).
    sigma2, rho : float
        One tree's variance and the correlation between two trees of the same world,
        estimated from all the trees (averaged over the test rows).
    """
    trees = P.shape[1]
    var_one = P.var(axis=0, ddof=1)  # (trees, n_test): each tree's variance over worlds
    var_sum = P.sum(axis=1).var(axis=0, ddof=1)  # (n_test,)
    cov = (var_sum - var_one.sum(axis=0)) / (trees * (trees - 1))  # mean pairwise cov
    sigma2 = float(var_one.mean())
    rho = float(cov.mean() / sigma2)
    measured = [P[:, :b].mean(axis=1).var(axis=0, ddof=1).mean() for b in tree_counts]
    table = pd.DataFrame(
        {
            "trees": list(tree_counts),
            "measured": np.array(measured, dtype=float),
            "formula": forest_variance(sigma2, rho, tree_counts),
        }
    )
    return table, sigma2, rho


def draw_variance_vs_trees(table: pd.DataFrame, sigma2: float, rho: float, ax=None):
    """Plot the measured variance of a forest against B, with the formula and its floor.

    Returns
    -------
    matplotlib.axes.Axes
        Two lines (the formula, the floor rho σ²) and one set of markers (measured).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    grid = np.geomspace(1, table["trees"].max(), 200)
    ax.plot(
        grid,
        forest_variance(sigma2, rho, grid),
        color="C0",
        lw=2,
        label=r"formula $\rho\sigma^2 + (1-\rho)\sigma^2/B$",
    )
    ax.axhline(
        rho * sigma2,
        color="0.4",
        ls="--",
        lw=1.2,
        label=r"floor $\rho\sigma^2$ (infinitely many trees)",
    )
    ax.plot(
        table["trees"],
        table["measured"],
        "o",
        color="C1",
        ms=7,
        label="measured over the training sets",
    )
    ax.set(
        xscale="log",
        xlabel="number of trees B (log scale)",
        ylabel="variance of the forest's prediction",
        title="Averaging B trees: the variance falls to a floor",
    )
    ax.xaxis.set_major_locator(FixedLocator(table["trees"].tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(b) for b in table["trees"]])
    ax.set_ylim(0, None)
    ax.legend(loc="upper right")
    return ax


def oob_by_hand(model, X, y) -> tuple[np.ndarray, float]:
    """Recompute a fitted forest's out-of-bag class probabilities and accuracy.

    Each training row is scored only by the trees whose bootstrap sample left it out
    (``model.estimators_samples_`` holds the rows each tree drew). With few trees, a row
    may have been drawn by every tree: it has no out-of-bag prediction and is left out.

    Returns
    -------
    proba : ndarray, shape (n, n_classes)
        The mean predicted probabilities of the row's out-of-bag trees; NaN for a row
        with none.
    accuracy : float
        Over the rows with an out-of-bag prediction.
    """
    X, y = np.asarray(X, dtype=np.float32), np.asarray(y)
    votes = np.zeros((len(y), len(model.classes_)))
    for tree, drawn in zip(model.estimators_, model.estimators_samples_):
        out = np.setdiff1d(np.arange(len(y)), drawn)  # rows this tree never saw
        votes[out] += tree.predict_proba(X[out])
    voted = votes.sum(axis=1) > 0  # False: every tree drew the row
    proba = np.full(votes.shape, np.nan)
    proba[voted] = votes[voted] / votes[voted].sum(axis=1, keepdims=True)
    right = model.classes_[proba[voted].argmax(axis=1)] == y[voted]
    return proba, float(np.mean(right))


def first_trees(model, k: int):
    """Return the forest of a fitted forest's first *k* trees (a copy; trees shared).

    Trees are seeded one after another from ``random_state``, so a forest of *k* trees
    with the same seed grows exactly these trees: one fit gives the forest of every
    size, and its ``predict_proba``, ``score`` and ``estimators_samples_`` are theirs.
    """
    sub = copy.copy(model)
    sub.estimators_, sub.n_estimators = model.estimators_[:k], k
    return sub


# --- what averaging does to the decision regions ------------------------------------


def region_grid(X, resolution: int = 150, pad: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Return a grid over two features' range (padded by *pad*) and its points.

    Returns
    -------
    axes : ndarray, shape (2, resolution)
        The grid's values along each feature.
    points : ndarray, shape (resolution**2, 2)
        Every grid point, feature 0 varying fastest.
    """
    X = np.asarray(X, dtype=float)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    axes = np.array([np.linspace(lo[j], hi[j], resolution) for j in range(2)])
    xx, yy = np.meshgrid(*axes)
    return axes, np.column_stack([xx.ravel(), yy.ravel()])


def unsure_share(model, X, level: float = 0.9, resolution: int = 150) -> float:
    """Share of the plane around *X* where no class gets *level* of the model's probability.

    A single grown tree answers with the class shares of one leaf (mostly pure, so 0 or
    1); a forest averages its trees' answers, which disagree near class borders.
    """
    _, points = region_grid(X, resolution)
    return float(np.mean(model.predict_proba(points).max(axis=1) < level))


def draw_regions(
    models: dict,
    X,
    y,
    *,
    feature_names,
    class_names,
    X_test=None,
    y_test=None,
    resolution: int = 150,
    panel_size: tuple[float, float] = (3.6, 3.8),
):
    """Draw fitted classifiers' regions on two features, shaded by their probability.

    One panel per model (a dict of title to fitted classifier): each point of the plane
    is coloured by the model's most probable class, the stronger the higher that
    probability, with the training points on top. Titles give the training accuracy (and
    the test accuracy when *X_test*, *y_test* are given).

    Returns
    -------
    matplotlib.figure.Figure
        The panels side by side, the legend of the classes below them.
    """
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    colors = [plt.cm.Set1(k) for k in range(len(class_names))]
    fig, axes = plt.subplots(
        1,
        len(models),
        figsize=(panel_size[0] * len(models), panel_size[1]),
        sharey=True,
        layout="constrained",
    )
    axes = np.atleast_1d(axes)
    for ax, (name, model) in zip(axes, models.items(), strict=True):
        DecisionBoundaryDisplay.from_estimator(
            model,
            X,
            ax=ax,
            response_method="predict_proba",
            plot_method="pcolormesh",
            multiclass_colors=colors,
            grid_resolution=resolution,
            alpha=0.5,
            vmin=0,  # a class's full colour at probability 1, in every panel
            vmax=1,
            xlabel=feature_names[0],
            ylabel=feature_names[1] if ax is axes[0] else "",
        )
        for k, label in enumerate(class_names):
            ax.scatter(
                *X[y == k].T,
                s=12,
                color=colors[k],
                edgecolor="k",
                linewidth=0.4,
                label=label,
            )
        title = f"{name}\ntrain {model.score(X, y):.0%}"
        if X_test is not None:
            title += f", test {model.score(X_test, y_test):.0%}"
        ax.set_title(title, fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=len(class_names))
    return fig


def explore_trees(
    X_train,
    y_train,
    X_test,
    y_test,
    counts,
    *,
    feature_names,
    class_names,
    seed: int = 0,
    resolution: int = 150,
):
    """Frames for an explorable figure: a forest's regions and accuracies per size.

    One forest of ``max(counts)`` trees is grown; the forest of k trees is its first k
    (:func:`first_trees`). Each frame is :func:`draw_regions` with one panel, all of
    one size and on one plane, for :func:`mlbook.explorable.frames_player`.

    Returns
    -------
    frames : list of matplotlib.figure.Figure
        One per count.
    rows : list of dict
        One per count: ``n_trees``; ``oob_accuracy`` (:func:`oob_by_hand`) and
        ``oob_rows``, the training rows it is measured on (those with an out-of-bag
        prediction); ``test_accuracy``; ``unsure`` (:func:`unsure_share`).
    """
    X_train, y_train = np.asarray(X_train, dtype=float), np.asarray(y_train)
    model = forest(max(counts), seed).fit(X_train, y_train)
    (xlim, ylim), _ = region_grid(X_train, resolution=2)  # the plane of every frame
    frames, rows = [], []
    for k in counts:
        sub = first_trees(model, k)
        proba, oob = oob_by_hand(sub, X_train, y_train)
        rows.append(
            {
                "n_trees": k,
                "oob_accuracy": oob,
                "oob_rows": int(np.sum(~np.isnan(proba[:, 0]))),
                "test_accuracy": float(sub.score(X_test, y_test)),
                "unsure": unsure_share(sub, X_train, resolution=resolution),
            }
        )
        fig = draw_regions(
            {f"{plural(k, 'tree')}, out-of-bag {oob:.0%}": sub},
            X_train,
            y_train,
            feature_names=feature_names,
            class_names=class_names,
            X_test=X_test,
            y_test=y_test,
            resolution=resolution,
            panel_size=(5.2, 4.8),
        )
        fig.axes[0].set(xlim=xlim, ylim=ylim)
        frames.append(fig)
    return frames, rows
