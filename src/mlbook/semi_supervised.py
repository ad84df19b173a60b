"""Chapter *Semi-supervised learning*: label propagation and spreading.

Both are done in one transductive fit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mlbook.profile import freeze

#: Per-profile settings: the label fractions of the curve, how many random labellings per
#: fraction, and the fraction used for the confusion matrices.
SETTINGS = freeze(
    {
        "full": {"fractions": (0.01, 0.02, 0.05, 0.1, 0.2, 0.4), "repeats": 5, "cm_fraction": 0.05},
        "quick": {"fractions": (0.02, 0.05, 0.2), "repeats": 5, "cm_fraction": 0.05},
    }
)

#: Label of an unlabelled point, scikit-learn's convention for semi-supervised estimators.
UNLABELED = -1

#: The notes' example, verbatim (without the final print).
SEED_CODE = """\
from sklearn.semi_supervised import LabelPropagation
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=1000, n_features=10, n_informative=8, n_redundant=2, random_state=42)

labeled_X = X[:100]
labeled_y = y[:100]
unlabeled_X = X[100:]

model = LabelPropagation()
model.fit(labeled_X, labeled_y)

predicted_labels = model.transduction_[100:]

accuracy = model.score(labeled_X, labeled_y)
"""


def run_seed_example(code: str = SEED_CODE) -> dict:
    """Run the notes' example and report what it really computed.

    Returns
    -------
    dict
        ``reported_accuracy`` (what the notes print as "accuracy on labeled data"),
        ``n_fitted`` (rows the model saw), ``n_transduction`` (length of
        ``transduction_``), ``n_predicted`` (length of ``transduction_[100:]``, the
        notes' "predicted labels"), ``unlabeled_accuracy`` (the fitted model's accuracy
        on the 900 points it was meant to label), ``unlabeled_correct`` (boolean array of
        shape (900,): which of them it labels right), ``nan_rows`` (unlabelled points
        whose predicted probabilities are NaN) and ``warnings`` (messages raised on the
        way).
    """
    ns: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(code, "<seed>", "exec"), ns)
        model, X, y = ns["model"], ns["X"], ns["y"]
        proba = model.predict_proba(X[100:])
        right = model.predict(X[100:]) == y[100:]
    return {
        "reported_accuracy": float(ns["accuracy"]),
        "n_fitted": len(model.X_),
        "n_transduction": len(model.transduction_),
        "n_predicted": len(ns["predicted_labels"]),
        "unlabeled_accuracy": float(right.mean()),
        "unlabeled_correct": right,
        "nan_rows": int(np.isnan(proba).any(axis=1).sum()),
        "warnings": sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
    }


def seed_report(seed: dict) -> pd.DataFrame:
    """Tabulate :func:`run_seed_example`'s record for a reader, one row per finding.

    Returns
    -------
    DataFrame, shape (7, 1)
        Indexed by what was measured, in words; one column ``value`` of typeset text
        (percentages, counts, the warnings joined by ``"; "``, or ``"none"``).
    """
    from mlbook.typeset import percent

    rows = {
        "accuracy the notes print (on the labelled points)": percent(seed["reported_accuracy"]),
        "rows the model was fitted on (model.X_)": f"{seed['n_fitted']:,}",
        "entries of model.transduction_": f"{seed['n_transduction']:,}",
        "entries of predicted_labels (transduction_[100:])": f"{seed['n_predicted']:,}",
        "accuracy on the points it was meant to label": percent(seed["unlabeled_accuracy"]),
        "of those, points with NaN probabilities": f"{seed['nan_rows']:,}",
        "warnings": "; ".join(seed["warnings"]) or "none",
    }
    return pd.DataFrame({"value": rows}).rename_axis("what the notes' code computed")


def notes_data() -> tuple[np.ndarray, np.ndarray]:
    """Make the notes' synthetic data: 1000 points, 10 features, two classes (``random_state=42``)."""
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=1000, n_features=10, n_informative=8, n_redundant=2, random_state=42
    )


def median_squared_distance(X: np.ndarray) -> float:
    """Return the median squared Euclidean distance between two distinct points of ``X``."""
    from sklearn.metrics.pairwise import euclidean_distances

    d2 = euclidean_distances(X, squared=True)
    return float(np.median(d2[np.triu_indices(len(X), k=1)]))


def hide_labels(y: np.ndarray, n_labeled: int, seed: int = 0) -> np.ndarray:
    """Keep ``n_labeled`` labels (a stratified random choice) and mark the rest ``-1``.

    Parameters
    ----------
    y : ndarray, shape (n,)
        The true labels.

    Returns
    -------
    y_partial : ndarray, shape (n,)
        A copy of ``y`` with all but ``n_labeled`` entries set to :data:`UNLABELED`.
    """
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    keep, _ = train_test_split(idx, train_size=n_labeled, stratify=y, random_state=seed)
    y_partial = np.full_like(y, UNLABELED)
    y_partial[keep] = y[keep]
    return y_partial


def semi_supervised(kind: str = "spreading", n_neighbors: int = 7, scale: bool = False):
    """Make label propagation or spreading on a k-nearest-neighbour graph.

    With ``scale=True`` the features are standardised first. The k-NN kernel links
    each point to its ``n_neighbors`` nearest neighbours, whatever the scale of the
    data; the default RBF kernel (``gamma=20``) is tuned for nothing in particular.
    Spreading (``alpha=0.2``) may change a given label that sits among points of
    another class; propagation keeps given labels fixed.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.semi_supervised import LabelPropagation, LabelSpreading

    if kind == "spreading":
        model = LabelSpreading(
            kernel="knn",
            n_neighbors=n_neighbors,
            alpha=0.2,
            max_iter=100,
        )
    elif kind == "propagation":
        model = LabelPropagation(kernel="knn", n_neighbors=n_neighbors, max_iter=2000)
    else:
        raise ValueError(f"kind must be 'spreading' or 'propagation', not {kind!r}")
    return make_pipeline(StandardScaler(), model) if scale else model


def supervised(scale: bool = False):
    """Make the supervised comparison: an RBF support-vector classifier (optionally scaled)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC()) if scale else SVC()


def transductive_accuracy(
    model, X: np.ndarray, y: np.ndarray, y_partial: np.ndarray
) -> tuple[float, np.ndarray]:
    """Fit a semi-supervised model on **all** points at once; score the unlabelled.

    Parameters
    ----------
    model : LabelPropagation, LabelSpreading, or a Pipeline ending in one
    X : ndarray, shape (n, n_features)
    y : ndarray, shape (n,)
        True labels (used only for scoring).
    y_partial : ndarray, shape (n,)
        ``y`` with the hidden labels set to ``-1`` (see ``hide_labels``).

    Returns
    -------
    accuracy : float
        Accuracy of ``transduction_`` on the points whose label was hidden.
    transduction : ndarray, shape (n,)
        The label the model assigns to every point.
    """
    model.fit(X, y_partial)
    estimator = model[-1] if hasattr(model, "steps") else model
    hidden = y_partial == UNLABELED
    transduction = estimator.transduction_
    return float(np.mean(transduction[hidden] == y[hidden])), transduction


def supervised_accuracy(
    model,
    X: np.ndarray,
    y: np.ndarray,
    y_partial: np.ndarray,
) -> float:
    """Fit on the labelled points only; score on the points whose label was hidden."""
    hidden = y_partial == UNLABELED
    model.fit(X[~hidden], y[~hidden])
    return float(model.score(X[hidden], y[hidden]))


def label_fraction_curve(
    X: np.ndarray, y: np.ndarray, fractions, repeats: int = 3, scale: bool = False
) -> pd.DataFrame:
    """Compare semi-supervised and supervised accuracy by the fraction of labels.

    For each fraction and each of ``repeats`` random labellings, label spreading is
    fitted once on all points and an SVC on the labelled points only; both are scored
    on the same hidden points.

    Returns
    -------
    DataFrame
        Long format: ``fraction``, ``labels`` (count), ``repeat``, ``model``,
        ``accuracy``.
    """
    rows = []
    for frac in fractions:
        n_labeled = max(round(frac * len(y)), len(np.unique(y)))
        for r in range(repeats):
            y_partial = hide_labels(y, n_labeled, seed=r)
            semi_model = semi_supervised(scale=scale)
            semi, _ = transductive_accuracy(semi_model, X, y, y_partial)
            sup = supervised_accuracy(supervised(scale=scale), X, y, y_partial)
            for name, acc in (
                ("label spreading (all points)", semi),
                ("SVC (labelled points only)", sup),
            ):
                rows.append(
                    {
                        "fraction": frac,
                        "labels": n_labeled,
                        "repeat": r,
                        "model": name,
                        "accuracy": acc,
                    }
                )
    return pd.DataFrame(rows)


def plot_confusion_pair(y_true: np.ndarray, y_pred: np.ndarray, *, title: str):
    """Two ``ConfusionMatrixDisplay`` panels: raw counts and rows normalised to 100 %.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.5, 4.4))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, ax=ax0, cmap="Blues", colorbar=False, values_format="d"
    )
    ax0.set(title="Counts", xlabel="predicted label", ylabel="true label")
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        ax=ax1,
        cmap="Blues",
        colorbar=False,
        normalize="true",
        values_format=".0%",
    )
    ax1.set(
        title="Share of each true digit",
        xlabel="predicted label",
        ylabel="true label",
    )
    for ax in (ax0, ax1):
        ax.grid(False)
        for text in ax.texts:
            text.set_fontsize(8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- label spreading by hand ----------------------------------------------------------


def spreading_matrix(X: np.ndarray, gamma: float) -> np.ndarray:
    """Return the normalised graph S = D^-1/2 W D^-1/2 of an RBF graph, shape (n, n).

    W holds the RBF similarities exp(-gamma * squared distance) with a zero diagonal (no
    point is its own neighbour) and D the row sums of W, as in ``LabelSpreading``.
    """
    from sklearn.metrics.pairwise import rbf_kernel

    W = rbf_kernel(X, X, gamma=gamma)
    np.fill_diagonal(W, 0.0)
    d = W.sum(axis=1)
    return W / np.sqrt(np.outer(d, d))


def spread_labels(
    X: np.ndarray,
    y_partial: np.ndarray,
    *,
    gamma: float = 20.0,
    alpha: float = 0.2,
    max_iter: int = 30,
    tol: float = 1e-3,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Run the label-spreading iteration by hand, stopping as ``LabelSpreading`` does.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
    y_partial : ndarray, shape (n,)
        Class labels ``0 … k-1``, with ``-1`` for the unlabelled points.

    Returns
    -------
    distributions : ndarray, shape (n, k)
        Each row of the last F divided by its sum (zero rows stay zero).
    history : list of ndarray, each shape (n, k)
        F before the first step (Y) and after every step, not normalised.
    """
    classes = np.unique(y_partial[y_partial != UNLABELED])
    Y = (y_partial[:, None] == classes[None, :]).astype(float)
    S = spreading_matrix(X, gamma)
    F, previous, history = Y.copy(), np.zeros_like(Y), [Y.copy()]
    for _ in range(max_iter):
        if np.abs(F - previous).sum() < tol:
            break
        previous = F
        F = alpha * S @ F + (1 - alpha) * Y
        history.append(F)
    total = F.sum(axis=1, keepdims=True)
    return F / np.where(total == 0, 1, total), history


def spreading_example(n_samples: int = 60, seed: int = 0):
    """Return a small graph to watch labels spread on: two moons, one label on each.

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray, shape (n_samples,)
        True classes (0 = upper moon, 1 = lower moon).
    y_partial : ndarray, shape (n_samples,)
        ``y`` with every label hidden (``-1``) but the top point of the upper moon and
        the bottom point of the lower one.
    """
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=0.05, random_state=seed)
    y_partial = np.full_like(y, UNLABELED)
    top = np.flatnonzero(y == 0)[np.argmax(X[y == 0, 1])]
    bottom = np.flatnonzero(y == 1)[np.argmin(X[y == 1, 1])]
    y_partial[[top, bottom]] = [0, 1]
    return X, y, y_partial


#: Colours of the two classes in :func:`draw_spreading` (colour-blind safe pair).
CLASS_COLOURS = ("#0072B2", "#D55E00")


def _graph_edges(X: np.ndarray, gamma: float, edge_weight: float) -> np.ndarray:
    """Segments, shape (m, 2, 2), joining the points whose RBF similarity exceeds a weight."""
    W = np.exp(-gamma * ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(np.triu(W > edge_weight, k=1))
    return np.stack([X[i], X[j]], axis=1)


def _node_faces(F: np.ndarray, reached: float):
    """Face colours (n, 3), reached mask (n,) and leading class (n,) of the nodes at one F.

    A node is white until its total score exceeds *reached*, then in the colour of its
    leading class, paler the less sure it is (the class shares are closer).
    """
    from matplotlib.colors import to_rgb

    colours = np.array([to_rgb(c) for c in CLASS_COLOURS])
    mass = F.sum(axis=1)
    share = F / np.where(mass == 0, 1, mass)[:, None]
    sure = share.max(axis=1, keepdims=True)
    leading = share.argmax(axis=1)
    face = colours[leading] * sure + (1 - sure)  # paler when unsure
    is_reached = mass > reached
    face[~is_reached] = 1.0
    return face, is_reached, leading


def draw_spreading(
    X: np.ndarray,
    y_partial: np.ndarray,
    history: list[np.ndarray],
    steps,
    *,
    gamma: float,
    reached: float = 1e-3,
    edge_weight: float = 0.05,
    ncols: int = 3,
):
    """Draw the graph at several steps of the spreading, one panel per step.

    A node is drawn in the colour of its leading class once its total label mass
    ``F.sum(axis=1)`` exceeds *reached* (paler the less sure it is), and white before
    that; the labelled nodes are large squares with a black edge. Edges join points
    whose RBF similarity exceeds *edge_weight*.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per step, titled ``"step t"``; each axes' ``reached_`` attribute is the
        number of nodes coloured in it.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    steps = list(steps)
    nrows = -(-len(steps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7, 1.9 * nrows + 0.2), squeeze=False)
    segments = _graph_edges(X, gamma, edge_weight)
    labelled = y_partial != UNLABELED
    for ax, t in zip(axes.flat, steps):
        face, is_reached, _ = _node_faces(history[t], reached)
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.8, zorder=1))
        ax.scatter(
            *X[~labelled].T, c=face[~labelled], s=24, edgecolors="0.3", linewidths=0.7, zorder=2
        )
        ax.scatter(
            *X[labelled].T,
            c=face[labelled],
            s=80,
            marker="s",
            edgecolors="black",
            linewidths=1.5,
            zorder=3,
        )
        last = t == len(history) - 1
        ax.set_title(f"step {t}" + (" (converged)" if last else ""), fontsize=11)
        ax.set(xticks=[], yticks=[], aspect="equal")
        ax.margins(0.08)
        ax.reached_ = int(is_reached.sum())
    for ax in axes.flat[len(steps) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def spreading_scores(F: np.ndarray, y: np.ndarray, hidden: np.ndarray, reached: float) -> dict:
    """Score one F of the spreading on the unlabelled points.

    Parameters
    ----------
    F : ndarray, shape (n, k)
        Label scores (one entry of :func:`spread_labels`'s history).
    y : ndarray, shape (n,)
        True classes ``0 … k-1``.
    hidden : ndarray of bool, shape (n,)
        The unlabelled points.
    reached : float
        A point has a score once its total score ``F.sum(axis=1)`` exceeds this.

    Returns
    -------
    dict
        ``predicted`` (ndarray, shape (n,): leading class of every point, -1 where its
        row of F is all zero); counts over the unlabelled points: ``reached`` (score
        above *reached*), ``right`` (leading class is their class), ``right_reached``
        (both); ``accuracy``: ``right`` over the unlabelled points (a point with no
        score at all counts as wrong).
    """
    mass = F.sum(axis=1)
    predicted = np.where(mass > 0, F.argmax(axis=1), UNLABELED)
    is_reached = mass > reached
    right = predicted == y
    return {
        "predicted": predicted,
        "reached": int(np.sum(is_reached & hidden)),
        "right": int(np.sum(right & hidden)),
        "right_reached": int(np.sum(right & is_reached & hidden)),
        "accuracy": float(np.mean(right[hidden])),
    }


def draw_step(
    X: np.ndarray,
    y: np.ndarray,
    y_partial: np.ndarray,
    history: list[np.ndarray],
    curve: list[dict],
    t: int,
    *,
    gamma: float,
    reached: float = 1e-3,
    class_names=None,
    edge_weight: float = 0.05,
):
    """Draw one step of the spreading: the graph, and the unlabelled points' scores so far.

    Left, the graph as in :func:`draw_spreading`: a point is filled with the colour of its
    leading class once its score exceeds *reached*; below that it is a ring in the colour
    of its leading class (grey with no score at all), and a cross marks every unlabelled
    point whose leading class is not its class. Right, over every step of *history*, the
    share of the unlabelled points whose leading class is right and the share with a
    score, step *t* marked. Axis limits and colours depend on *X* and *history* only, so
    the frames of one spreading line up.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        True classes ``0 … k-1``.
    y_partial : ndarray, shape (n,)
        Given classes, ``-1`` for the unlabelled points.
    history : list of ndarray, each shape (n, k)
        :func:`spread_labels`'s F before the first step and after every step.
    curve : list of dict
        :func:`spreading_scores` of every entry of *history*.
    t : int
        The step to draw, an index into *history*.

    Returns
    -------
    matplotlib.figure.Figure
        7 × 4.4 inches, constrained layout.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    k = history[0].shape[1]
    names = [f"class {c}" for c in range(k)] if class_names is None else list(class_names)
    hidden = y_partial == UNLABELED
    fig, (ax, ax_c) = plt.subplots(
        1, 2, figsize=(7, 4.4), width_ratios=(1.5, 1), layout="constrained"
    )
    segments = _graph_edges(X, gamma, edge_weight)
    ax.add_collection(LineCollection(segments, colors="0.75", linewidths=0.7, zorder=1))
    face, is_reached, leading = _node_faces(history[t], reached)
    predicted = curve[t]["predicted"]
    ring = np.array(CLASS_COLOURS)[leading].astype(object)
    ring[predicted == UNLABELED] = "0.55"
    full, faint = hidden & is_reached, hidden & ~is_reached
    dot = {"s": 34, "zorder": 2}
    ax.scatter(*X[full].T, c=face[full], edgecolors="0.3", linewidths=0.6, **dot)
    ax.scatter(*X[faint].T, c="white", edgecolors=list(ring[faint]), linewidths=1.6, **dot)
    ax.scatter(
        *X[~hidden].T,
        c=face[~hidden],
        s=95,
        marker="s",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
    )
    wrong = hidden & (predicted != UNLABELED) & (predicted != y)
    ax.scatter(*X[wrong].T, c="black", s=30, marker="x", linewidths=1.3, zorder=4)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.06 * (hi - lo)
    ax.set(xlim=(lo[0] - pad[0], hi[0] + pad[0]), ylim=(lo[1] - pad[1], hi[1] + pad[1]))
    ax.set_aspect("equal", adjustable="box")
    last = len(history) - 1
    ax.set_title(f"step {t}" + (" (converged)" if t == last else ""), fontsize=12)
    ax.set_xlabel("feature 1", fontsize=10)
    ax.set_ylabel("feature 2", fontsize=10)
    ax.grid(False)

    steps = np.arange(len(history))
    n_hidden = hidden.sum()
    right = np.array([c["right"] for c in curve]) / n_hidden
    scored = np.array([c["reached"] for c in curve]) / n_hidden
    (line_right,) = ax_c.plot(steps, right, color="black", lw=1.8)
    (line_scored,) = ax_c.plot(steps, scored, color="0.45", lw=1.8, ls="--")
    ax_c.axvline(t, color="#009E73", lw=1.5, zorder=0)
    ax_c.plot([t, t], [right[t], scored[t]], "o", color="#009E73", ms=6)
    ax_c.set_xscale("symlog", linthresh=1, linscale=0.6)
    ax_c.set(xlim=(-0.15, last * 1.15), ylim=(-0.04, 1.04))
    ticks = [x for x in (0, 1, 3, 10, 30, 100, 300, 1000) if x <= last]
    ax_c.set_xticks(ticks, [str(x) for x in ticks])
    ax_c.set_xticks([], minor=True)
    ax_c.yaxis.set_major_formatter(PercentFormatter(1, decimals=0))
    ax_c.set_title("unlabelled points", fontsize=12)
    ax_c.set_xlabel("step t (log scale from 1)", fontsize=10)
    ax_c.set_ylabel("share of the unlabelled points", fontsize=10)
    for a in (ax, ax_c):
        a.tick_params(labelsize=9.5)

    def marker(**kw):
        return Line2D([], [], ls="none", **({"ms": 7} | kw))

    handles = [
        *(marker(marker="o", mfc=c, mec="0.3") for c in CLASS_COLOURS[:k]),
        marker(marker="o", mfc="white", mec="0.55", mew=1.6),
        marker(marker="s", mfc="white", mec="black", mew=1.5, ms=8),
        marker(marker="x", mec="black", mew=1.3),
    ]
    handles += [line_right, line_scored]
    texts = [
        *names,
        f"score ≤ {reached:g} (ring: leading class, grey: none)",
        "given label",
        "leading class wrong",
        "unlabelled: leading class right",
        f"unlabelled: score > {reached:g}",
    ]
    fig.legend(handles, texts, loc="outside lower center", ncols=2, fontsize=9.5)
    return fig


def explore_iterations(
    X,
    y,
    y_partial,
    history,
    steps,
    *,
    gamma: float,
    reached: float = 1e-3,
    names=None,
):
    """Frames for an explorable figure: label spreading step by step.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        True classes ``0 … k-1`` (to score the unlabelled points).
    y_partial : ndarray, shape (n,)
        The given classes, ``-1`` for the unlabelled points.
    history : list of ndarray, each shape (n, k)
        F before the first step and after each step (:func:`spread_labels`).
    steps : sequence of int
        The steps to show, indices into *history*.
    gamma : float
        The RBF kernel's gamma (for the drawn edges).
    reached : float
        A point counts as having a score once ``F.sum(axis=1)`` exceeds it.
    names : sequence of str, optional
        The classes' names, for the legend.

    Returns
    -------
    frames : list of matplotlib.figure.Figure
        One per step, all of one size (:func:`draw_step`).
    rows : list of dict
        One per step: ``step`` and :func:`spreading_scores` (``predicted``, shape (n,);
        ``reached``, ``right``, ``right_reached``, ``accuracy`` on the unlabelled).
    """
    hidden = y_partial == UNLABELED
    curve = [spreading_scores(F, y, hidden, reached) for F in history]
    frames, rows = [], []
    for t in steps:
        rows.append({"step": t, **curve[t]})
        at_t = {"gamma": gamma, "reached": reached, "class_names": names}
        frames.append(draw_step(X, y, y_partial, history, curve, t, **at_t))
    return frames, rows
