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
    from matplotlib.colors import to_rgb

    steps = list(steps)
    nrows = -(-len(steps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7, 1.9 * nrows + 0.2), squeeze=False)
    W = np.exp(-gamma * ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(np.triu(W > edge_weight, k=1))
    colours = np.array([to_rgb(c) for c in CLASS_COLOURS])
    labelled = y_partial != UNLABELED
    for ax, t in zip(axes.flat, steps):
        F = history[t]
        mass = F.sum(axis=1)
        is_reached = mass > reached
        share = F / np.where(mass == 0, 1, mass)[:, None]
        sure = share.max(axis=1, keepdims=True)
        face = colours[share.argmax(axis=1)] * sure + (1 - sure)  # paler when unsure
        face[~is_reached] = 1.0
        ax.add_collection(
            LineCollection(np.stack([X[i], X[j]], axis=1), colors="0.6", linewidths=0.8, zorder=1)
        )
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
