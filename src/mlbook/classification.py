"""Chapter *Classification problems*: logistic regression, cross-validation and model selection."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mlbook.profile import freeze

#: The decision thresholds of the explorable figure (``explore_thresholds``): one half,
#: the default of ``predict``, and positions either side of it, denser near the ends.
EXPLORE_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)

#: Per-profile settings: folds, the grid of C values searched, learning-curve sizes; for
#: the SVM section the grid of C and gamma, and the training-set sizes (and repeats) at
#: which the fit time of an RBF SVC and of a logistic regression is measured: each where
#: its fit time is more than the fixed cost of a fit (the time on ``overhead_size``
#: examples), so logistic regression needs far more examples; the thresholds of the
#: explorable figure (no fitting: the same in both profiles).
SETTINGS = freeze(
    {
        "full": {
            "cv_folds": 5,
            "n_C": 13,
            "curve_sizes": 8,
            "svm_Cs": (0.1, 1.0, 10.0, 100.0),
            "svm_gammas": (0.001, 0.01, 0.1, 1.0),
            "svm_sizes": (500, 1000, 2000, 4000),
            "svm_repeats": 2,
            "lr_sizes": (16000, 32000, 64000, 128000),
            "lr_repeats": 3,
            "overhead_size": 100,
            "explore_thresholds": EXPLORE_THRESHOLDS,
        },
        "quick": {
            "cv_folds": 5,
            "n_C": 7,
            "curve_sizes": 5,
            "svm_Cs": (0.1, 1.0, 10.0, 100.0),
            "svm_gammas": (0.001, 0.01, 0.1, 1.0),
            "svm_sizes": (250, 500, 1000, 2000),
            "svm_repeats": 2,
            "lr_sizes": (16000, 32000, 64000, 128000),
            "lr_repeats": 3,
            "overhead_size": 100,
            "explore_thresholds": EXPLORE_THRESHOLDS,
        },
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
    """Cross-validate ``scaled_logistic`` at each regularisation strength in ``Cs``.

    Returns
    -------
    GridSearchCV
        Fitted; ``best_params_``, ``best_score_`` and ``cv_results_`` hold the
        search, and ``best_estimator_`` is refitted on all of ``X``.
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
    """Draw a ``ValidationCurveDisplay`` from a fitted ``grid_search_C``'s fold scores.

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
        param_name="C",
        param_range=Cs,
        train_scores=train,
        test_scores=test,
        score_name="accuracy",
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
    """Return the highest threshold whose recall of malignant tumours reaches *target*.

    Calling a tumour malignant when ``p >= threshold`` then finds at least a share
    *target* of the malignant tumours in ``y_true``. Choose it on training data (e.g.
    cross-validated probabilities), never on the test set that will judge it.
    """
    p = np.sort(np.asarray(p_malignant)[np.asarray(y_true) == MALIGNANT])[::-1]
    if len(p) == 0:
        raise ValueError("no malignant tumour in y_true")
    # how many malignant tumours must be found
    needed = int(np.ceil(target * len(p) - 1e-9))
    return float(p[max(needed, 1) - 1])


# --- The logistic loss, precision, recall and ROC, by hand ---------------------------


def logistic_objective(w, b: float, X, s, C: float = 1.0) -> float:
    """Return the penalised logistic loss that ``LogisticRegression(C=C)`` minimises.

    Parameters
    ----------
    w : ndarray, shape (d,)
        Weights; ``b`` is the intercept (not penalised).
    X : ndarray, shape (n, d)
        Inputs.
    s : ndarray, shape (n,)
        Labels coded +1 (the class of ``classes_[1]``) and -1 (the other).
    """
    z = X @ w + b  # the linear score of each example
    return float(0.5 * w @ w + C * np.sum(np.logaddexp(0.0, -s * z)))


def fit_logistic_by_hand(X, s, C: float = 1.0) -> tuple[float, np.ndarray]:
    """Minimise ``logistic_objective`` with L-BFGS (SciPy); return the intercept and weights.

    The gradient is ``w - C X^T (s * sigmoid(-s z))`` for the weights and
    ``-C sum(s * sigmoid(-s z))`` for the intercept.
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    X, s = np.asarray(X, dtype=float), np.asarray(s, dtype=float)

    def value_and_grad(theta):
        b, w = theta[0], theta[1:]
        z = X @ w + b
        g = -C * s * expit(-s * z)  # derivative of C*log(1+exp(-s z)) with respect to z
        return logistic_objective(w, b, X, s, C), np.concatenate([[g.sum()], w + X.T @ g])

    theta0 = np.zeros(X.shape[1] + 1)
    res = minimize(value_and_grad, theta0, jac=True, method="L-BFGS-B", options={"gtol": 1e-8})
    return float(res.x[0]), res.x[1:]


def roc_points(positive, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the false- and true-positive rate at every threshold, by counting.

    Parameters
    ----------
    positive : array-like of bool, shape (n,)
        True for the positive class.
    scores : array-like, shape (n,)
        Higher means more likely positive; an example is flagged when its score is at
        least the threshold.

    Returns
    -------
    fpr, tpr : ndarray, shape (k + 1,)
        Starting at (0, 0) for a threshold above every score.
    thresholds : ndarray, shape (k + 1,)
        The distinct scores, highest first, after ``inf``.
    """
    positive, scores = np.asarray(positive, dtype=bool), np.asarray(scores, dtype=float)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    flagged = scores[None, :] >= thresholds[:, None]  # one row per threshold
    tpr = (flagged & positive).sum(axis=1) / positive.sum()  # recall
    fpr = (flagged & ~positive).sum(axis=1) / (~positive).sum()
    return fpr, tpr, thresholds


def auc_by_pairs(positive, scores) -> float:
    """Return the share of (positive, negative) pairs where the positive scores higher.

    Ties count one half. This probability is the area under the ROC curve.
    """
    positive, scores = np.asarray(positive, dtype=bool), np.asarray(scores, dtype=float)
    pos, neg = scores[positive][:, None], scores[~positive][None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def draw_threshold_roc(positive, scores, thresholds, names=("positive", "negative"), axes=None):
    """Draw how thresholds on a score become points of the ROC curve.

    Left: the scores of each class (histograms) with one vertical line per threshold.
    Right: the ROC curve with the point of each threshold marked and labelled.

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    positive, scores = np.asarray(positive, dtype=bool), np.asarray(scores, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(7, 3.4), constrained_layout=True)
    ax_hist, ax_roc = axes
    bins = np.linspace(0, 1, 21)
    ax_hist.hist(scores[positive], bins=bins, alpha=0.6, color="tab:red", label=names[0])
    ax_hist.hist(scores[~positive], bins=bins, alpha=0.6, color="tab:blue", label=names[1])
    ax_hist.set(
        title="Scores by class", xlabel=f"predicted P({names[0]})", ylabel="examples", yscale="log"
    )
    fpr, tpr, _ = roc_points(positive, scores)
    ax_roc.plot(fpr, tpr, color="black", lw=1.5, drawstyle="steps-post")
    ax_roc.plot([0, 1], [0, 1], ":", color="grey", lw=1)
    ax_roc.set(
        title="ROC curve",
        xlabel="false-positive rate",
        ylabel="true-positive rate (recall)",
        xlim=(-0.02, 1),
        ylim=(0, 1.02),
    )
    colours = ["tab:green", "tab:purple", "tab:orange"]
    for k, t in enumerate(thresholds):
        flagged = scores >= t
        point = (np.mean(flagged[~positive]), np.mean(flagged[positive]))
        colour = colours[k % len(colours)]
        ax_hist.axvline(t, color=colour, lw=2, ls="--")
        ax_roc.plot(*point, "o", color=colour, ms=8)
        ax_roc.annotate(
            f"threshold {t:.2f}",
            point,
            xytext=(12, -14 - 16 * k),
            textcoords="offset points",
            color=colour,
            fontsize=9,
        )
    # below the axes: over the bars it would hide the threshold lines
    ax_hist.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=9)
    return ax_hist.figure


def explore_thresholds(
    y_true, p, thresholds, *, pos_label=MALIGNANT, names=("malignant", "benign")
):
    """Frames for an explorable figure: what each decision threshold does to the errors.

    At each threshold an example is flagged positive when ``p >= threshold``. Each frame
    shows the confusion matrix at that threshold, and the ROC and precision–recall
    curves (every threshold) with this threshold's point marked. All frames have one
    size (8 x 3.4 inches, ``layout="constrained"``), for
    :func:`mlbook.explorable.frames_player`; the curves' axes, the same in every frame,
    are zoomed in on the part where the marked points lie.

    Parameters
    ----------
    y_true : array-like, shape (n,)
        True labels, two classes; ``pos_label`` is the positive one.
    p : array-like, shape (n,)
        Predicted probability (or any score) of the positive class.
    thresholds : sequence of float, shape (k,)
    pos_label : int or str
        The positive class (default: a malignant tumour).
    names : (str, str)
        How the figure names the positive and the negative class.

    Returns
    -------
    frames : list of matplotlib.figure.Figure, length k
        One per threshold.
    rows : list of dict, length k
        One per threshold: ``threshold``, the counts ``tp``, ``fp``, ``fn``, ``tn``,
        ``precision`` (NaN when nothing is flagged), ``recall`` and ``fpr``.
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import (
        ConfusionMatrixDisplay,
        PrecisionRecallDisplay,
        RocCurveDisplay,
        confusion_matrix,
    )

    y_true, p = np.asarray(y_true), np.asarray(p, dtype=float)
    positive = y_true == pos_label
    rows = []
    for t in thresholds:
        cm = confusion_matrix(positive, p >= t, labels=[True, False])  # positive first
        (tp, fn), (fp, tn) = cm.tolist()
        rows.append(
            {
                "threshold": float(t),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "tn": tn,
                "precision": tp / (tp + fp) if tp + fp else float("nan"),
                "recall": tp / max(tp + fn, 1),
                "fpr": fp / max(fp + tn, 1),
            }
        )
    # the same colours and axes in every frame, zoomed to where the marked points go
    n_max = max(positive.sum(), (~positive).sum())
    fpr_hi = min(1.0, max(r["fpr"] for r in rows) + 0.05)
    recall_lo = max(0.0, min(r["recall"] for r in rows) - 0.05)
    precision_lo = max(0.0, np.nanmin([r["precision"] for r in rows] + [1.0]) - 0.05)
    zoomed = {True: "(zoomed in)", False: "(all of it)"}
    frames = []
    for r in rows:
        fig, axes = plt.subplots(1, 3, figsize=(8, 3.4), layout="constrained")
        ax_cm, ax_roc, ax_pr = axes
        cm = np.array([[r["tp"], r["fn"]], [r["fp"], r["tn"]]])
        ConfusionMatrixDisplay(cm, display_labels=list(names)).plot(
            cmap="Blues", colorbar=False, ax=ax_cm, im_kw={"vmin": 0, "vmax": n_max}
        )
        ax_cm.set(title="Confusion matrix\n(counts)", xlabel="predicted", ylabel="true")
        ax_cm.grid(False)
        RocCurveDisplay.from_predictions(
            y_true,
            p,
            pos_label=pos_label,
            drop_intermediate=False,
            ax=ax_roc,
            curve_kwargs={"color": "black"},
        )
        ax_roc.plot(r["fpr"], r["recall"], "o", color="tab:red", ms=8)
        ax_roc.set(
            title="ROC curve\n" + zoomed[fpr_hi < 1 or recall_lo > 0],
            xlabel="false-positive rate",
            ylabel="true-positive rate",
            xlim=(-0.01, fpr_hi),
            ylim=(recall_lo, 1.01),
            aspect="auto",
        )
        PrecisionRecallDisplay.from_predictions(
            y_true, p, pos_label=pos_label, ax=ax_pr, curve_kwargs={"color": "black"}
        )
        if r["tp"] + r["fp"]:  # no point when nothing is flagged: precision undefined
            ax_pr.plot(r["recall"], r["precision"], "o", color="tab:red", ms=8)
        ax_pr.set(
            title="Precision–recall\n" + zoomed[recall_lo > 0 or precision_lo > 0],
            xlabel="recall",
            ylabel="precision",
            xlim=(recall_lo, 1.01),
            ylim=(precision_lo, 1.01),
            aspect="auto",
        )
        for ax in (ax_roc, ax_pr):
            ax.get_legend().remove()
        t = r["threshold"]
        title = f"Threshold {t:g} (red dots): {names[0]} when P({names[0]}) ≥ {t:g}"
        fig.suptitle(title)
        frames.append(fig)
    return frames, rows


# --- Support vector machines -----------------------------------------------------------


def make_two_blobs(n: int = 40, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Make two separable clouds of 2-D points, labels 0 and 1 (``make_blobs``)."""
    from sklearn.datasets import make_blobs

    return make_blobs(
        n_samples=n, centers=[(-1.2, -1.2), (1.2, 1.2)], cluster_std=0.8, random_state=seed
    )


def linear_svm(X, y, C: float = 1.0):
    """Fit a linear support vector machine, ``SVC(kernel="linear", C=C)``."""
    from sklearn.svm import SVC

    return SVC(kernel="linear", C=C).fit(X, y)


def margin_width(svm) -> float:
    """Return the width 2 / ||w|| of a fitted linear SVM's margin."""
    w = svm.coef_[0]
    return float(2 / np.linalg.norm(w))


def draw_margin(svm, X, y, ax=None):
    """Draw a linear SVM on 2-D data: boundary, margin, support vectors and the width.

    The solid line is f(x) = 0, the dashed lines f(x) = -1 and +1; support vectors are
    circled; an arrow spans the margin, whose width 2/||w|| the title gives.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    X, y = np.asarray(X), np.asarray(y)
    for label, colour, marker in zip(
        svm.classes_, ("tab:blue", "tab:red"), ("o", "s"), strict=True
    ):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=22, color=colour, marker=marker, zorder=3)
    lo, hi = X.min(axis=0) - 0.8, X.max(axis=0) + 0.8
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    f = svm.decision_function(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    ax.contour(
        xx,
        yy,
        f,
        levels=[-1, 0, 1],
        colors="black",
        linestyles=["--", "-", "--"],
        linewidths=[1, 2, 1],
    )
    sv = svm.support_vectors_
    ax.scatter(
        sv[:, 0],
        sv[:, 1],
        s=130,
        facecolors="none",
        edgecolors="black",
        linewidths=1.3,
        zorder=4,
    )
    # an arrow across the margin, through the middle of the plot
    w, b = svm.coef_[0], svm.intercept_[0]
    centre = (lo + hi) / 2
    on_boundary = centre - (w @ centre + b) / (w @ w) * w
    step = w / (w @ w)  # moves f by exactly 1
    ax.annotate(
        "",
        xy=on_boundary + step,
        xytext=on_boundary - step,
        arrowprops={"arrowstyle": "<->", "color": "tab:green", "lw": 2},
    )
    ax.set(
        xlim=(lo[0], hi[0]),
        ylim=(lo[1], hi[1]),
        xlabel="$x_1$",
        ylabel="$x_2$",
        title=f"C = {svm.C:g}: margin {margin_width(svm):.2f}\n{len(sv)} support vectors",
        aspect="equal",
    )
    return ax


def rbf_kernel(A, B, gamma: float) -> np.ndarray:
    """Return the RBF kernel matrix exp(-gamma ||a - b||²), shape (len(A), len(B))."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    sq = (A**2).sum(axis=1)[:, None] + (B**2).sum(axis=1)[None, :] - 2 * A @ B.T
    return np.exp(-gamma * np.maximum(sq, 0))


def svm_decision_by_hand(svm, X) -> np.ndarray:
    """Return an RBF SVC's decision function from its support vectors, by hand.

    f(x) = sum over support vectors i of alpha_i y_i K(x_i, x) + b, where ``dual_coef_``
    holds the products alpha_i y_i and ``intercept_`` is b. ``svm`` must have been
    made with a numeric ``gamma``.
    """
    K = rbf_kernel(svm.support_vectors_, X, svm.gamma)  # one row per support vector
    return svm.dual_coef_[0] @ K + svm.intercept_[0]


def make_rings(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Make one class inside a ring of the other (``make_circles``): no line separates them."""
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n, factor=0.4, noise=0.12, random_state=seed)


def draw_kernels(models: dict, X, y, axes=None):
    """Draw each fitted classifier's decision regions on 2-D data, side by side.

    ``models`` maps a title to a fitted classifier; each panel's title adds its
    training accuracy.

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    if axes is None:
        _, axes = plt.subplots(
            1, len(models), figsize=(7, 3.6), sharey=True, constrained_layout=True
        )
    X, y = np.asarray(X), np.asarray(y)
    for ax, (name, model) in zip(np.atleast_1d(axes), models.items(), strict=True):
        DecisionBoundaryDisplay.from_estimator(
            model, X, response_method="predict", cmap="RdBu", alpha=0.25, ax=ax
        )
        for label, colour, marker in zip((0, 1), ("tab:red", "tab:blue"), ("s", "o"), strict=True):
            pts = X[y == label]
            ax.scatter(pts[:, 0], pts[:, 1], s=14, color=colour, marker=marker)
        ax.set(title=f"{name}: {model.score(X, y):.1%} right", xlabel="$x_1$", aspect="equal")
    np.atleast_1d(axes)[0].set_ylabel("$x_2$")
    return np.atleast_1d(axes)[0].figure


def svm_grid_search(X, y, Cs, gammas, cv: int = 5):
    """Tune ``C`` and ``gamma`` of an RBF SVC in a scaled pipeline by cross-validation.

    Returns
    -------
    GridSearchCV
        Fitted on ``X, y``; ``best_estimator_`` is refitted on all of it.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    pipe = make_pipeline(StandardScaler(), SVC(kernel="rbf"))
    grid = {"svc__C": list(Cs), "svc__gamma": list(gammas)}
    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=folds, scoring="accuracy").fit(X, y)


def svm_search_table(search) -> pd.DataFrame:
    """Tabulate an ``svm_grid_search``: mean CV accuracy, one row per C, one column per gamma."""
    res = search.cv_results_
    frame = pd.DataFrame(
        {
            "C": np.asarray(res["param_svc__C"], dtype=float),
            "gamma": np.asarray(res["param_svc__gamma"], dtype=float),
            "accuracy": res["mean_test_score"],
        }
    )
    table = frame.pivot(index="C", columns="gamma", values="accuracy")
    table.columns = [f"gamma = {g:g}" for g in table.columns]
    return table


def fit_times(make_model, sizes, repeats: int = 3, n_features: int = 20, seed: int = 0):
    """Measure how long ``make_model().fit`` takes on the first n examples, for each n.

    One synthetic problem (``make_classification``, 5 % flipped labels) of
    ``max(sizes)`` examples. Each fit runs on one thread (``threadpool_limits``), so
    other work on the machine disturbs it less, and the fastest of ``repeats`` fits is
    kept.

    Returns
    -------
    Series
        Index ``n``, fit time in seconds.
    """
    import time

    from sklearn.datasets import make_classification
    from threadpoolctl import threadpool_limits

    X, y = make_classification(
        n_samples=max(sizes),
        n_features=n_features,
        n_informative=10,
        flip_y=0.05,
        random_state=seed,
    )
    times = {}
    with threadpool_limits(limits=1):
        for n in sizes:
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                make_model().fit(X[:n], y[:n])
                runs.append(time.perf_counter() - start)
            times[n] = min(runs)
    return pd.Series(times, name="seconds").rename_axis("n")


def scaled_svc():
    """``StandardScaler`` → ``SVC(kernel="rbf")`` as one pipeline."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(kernel="rbf"))


def growth_exponent(sizes, times, level: float = 0.95) -> tuple[float, float]:
    """Return the slope k of log(time) against log(n) and the half width of its interval.

    Time grows roughly like n**k. The interval is the least-squares slope's *level*
    interval (Student t on len(sizes) - 2 degrees of freedom; three sizes at least).
    """
    from scipy.stats import linregress, t

    fit = linregress(np.log(np.asarray(sizes, dtype=float)), np.log(times))
    half = t.ppf(0.5 + level / 2, len(sizes) - 2) * fit.stderr
    return float(fit.slope), float(half)
