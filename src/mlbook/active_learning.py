"""The project: active learning with label spreading on the digits data.

The loop has four steps, each a function here: **select** the points the model is
least sure about, **label** them (a person or the oracle), **retrain** label spreading
on all points (labelled and not), and **record** how well it does. :class:`ActiveLearner`
keeps that state (with undo) for the interactive widget in :mod:`mlbook.active_learning_widget`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mlbook.profile import freeze

#: The notes' experiment, and the size of the strategy comparison per profile.
SEED_EXPERIMENT = {
    "n_samples": 330,
    "n_labeled": 40,
    "rounds": 5,
    "per_round": 5,
    "gamma": 0.25,
    "max_iter": 20,
    "shuffle_seed": 0,
}
#: What the notes print for that experiment: the accuracy of each round's classification
#: report (two decimals), and the (predicted, true) label of the digits each round asks for.
NOTES_ACCURACY = (0.87, 0.90, 0.92, 0.95, 0.96)
NOTES_ASKED = (
    ((1, 1), (2, 1), (1, 1), (1, 1), (3, 3)),
    ((4, 4), (4, 4), (4, 4), (8, 2), (8, 7)),
    ((2, 2), (9, 5), (9, 5), (5, 9), (7, 7)),
    ((8, 8), (1, 8), (3, 3), (4, 4), (8, 8)),
    ((1, 1), (1, 1), (7, 7), (7, 7), (1, 1)),
)
SETTINGS = freeze(
    {
        "full": {"compare_seeds": 10, "compare_rounds": 12, "pool_size": 800},
        "quick": {"compare_seeds": 3, "compare_rounds": 4, "pool_size": 400},
    }
)
UNLABELED = -1


def load_seed_digits(n_samples: int = 330, shuffle_seed: int = 0):
    """Load the notes' data: the digits shuffled with ``RandomState(seed)``, first *n_samples*.

    Returns
    -------
    X : ndarray, shape (n_samples, 64)
        Pixel intensities 0–16.
    y : ndarray, shape (n_samples,)
    images : ndarray, shape (n_samples, 8, 8)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    indices = np.arange(len(digits.data))
    np.random.RandomState(shuffle_seed).shuffle(indices)
    keep = indices[:n_samples]
    return digits.data[keep], digits.target[keep], digits.images[keep]


def retrain(
    X: np.ndarray,
    y_partial: np.ndarray,
    gamma: float = 0.25,
    max_iter: int = 20,
):
    """Fit ``LabelSpreading`` on **all** points; unlabelled ones carry ``-1``.

    Raises
    ------
    ValueError
        If no point is labelled (label spreading has nothing to spread).
    """
    from sklearn.semi_supervised import LabelSpreading

    if not np.any(y_partial != UNLABELED):
        raise ValueError(
            "no labelled point: label at least one digit before retraining",
        )
    return LabelSpreading(gamma=gamma, max_iter=max_iter).fit(X, y_partial)


def entropy_scores(model) -> np.ndarray:
    """Return each point's entropy of its label distribution, shape (n,)."""
    from scipy import stats

    return stats.entropy(model.label_distributions_.T)


def margin_scores(model) -> np.ndarray:
    """Return 1 − (best − second-best probability): high when two labels compete."""
    top2 = np.sort(model.label_distributions_, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def entropy_by_hand(probs: np.ndarray) -> np.ndarray:
    """Return the entropy -sum p log p of each row of *probs* (0 log 0 = 0)."""
    logs = np.log(probs, out=np.zeros_like(probs), where=probs > 0)
    return -(probs * logs).sum(axis=1)


def two_label_share(
    model, indices: np.ndarray, *, mass: float = 0.99, min_entropy: float = 1e-3
) -> tuple[int, float]:
    """Count the uncertain points among *indices*, and the share that hesitate between two labels.

    A point is uncertain when the entropy of its label distribution exceeds
    *min_entropy*; it hesitates between two labels when its two most probable digits
    hold at least *mass* of its probability. On such points entropy and margin are both
    decreasing functions of the larger probability, so they rank them in the same order.

    Returns
    -------
    n_uncertain : int
    share : float
        Share of the uncertain points that hesitate between two labels (NaN if none).
    """
    indices = np.asarray(indices)
    uncertain = indices[entropy_scores(model)[indices] > min_entropy]
    if len(uncertain) == 0:
        return 0, float("nan")
    top2 = np.sort(model.label_distributions_[uncertain], axis=1)[:, -2:].sum(axis=1)
    return len(uncertain), float(np.mean(top2 >= mass))


def select_most_uncertain(
    scores: np.ndarray,
    unlabeled: np.ndarray,
    k: int,
) -> np.ndarray:
    """Return the *k* unlabelled indices with the highest scores, most uncertain first.

    The notes filter with ``np.in1d``, removed in NumPy 2; ``np.isin`` replaces it.
    """
    order = np.argsort(scores)[::-1]
    return order[np.isin(order, unlabeled)][:k]


@dataclass
class Round:
    """What one round of the loop recorded."""

    n_labeled: int
    n_unlabeled: int
    accuracy: float  # on the points still unlabelled (as in the notes)
    picked: np.ndarray  # indices asked for next, most uncertain first
    picked_pred: np.ndarray  # the model's guess for them
    picked_true: np.ndarray  # their true labels
    confusion: np.ndarray  # (10, 10) on the unlabelled points
    report: dict = field(repr=False, default_factory=dict)
    #: (n,) the label the round's model gives every point: score any fixed set with it
    transduction: np.ndarray | None = field(repr=False, default=None)


def run_rounds(
    X: np.ndarray,
    y: np.ndarray,
    n_labeled: int,
    rounds: int,
    per_round: int,
    gamma: float = 0.25,
    max_iter: int = 20,
    scorer: Callable = entropy_scores,
) -> list[Round]:
    """Run the notes' loop: *n_labeled* points labelled, then *per_round* more a round.

    The oracle (the true ``y``) answers every query.
    """
    from sklearn.metrics import classification_report, confusion_matrix

    unlabeled = np.arange(len(y))[n_labeled:]
    out = []
    for _ in range(rounds):
        y_partial = y.copy()
        y_partial[unlabeled] = UNLABELED
        model = retrain(X, y_partial, gamma, max_iter)
        pred, true = model.transduction_[unlabeled], y[unlabeled]
        picked = select_most_uncertain(scorer(model), unlabeled, per_round)
        out.append(
            Round(
                n_labeled=len(y) - len(unlabeled),
                n_unlabeled=len(unlabeled),
                accuracy=float(np.mean(pred == true)),
                picked=picked,
                picked_pred=model.transduction_[picked],
                picked_true=y[picked],
                confusion=confusion_matrix(true, pred, labels=np.arange(10)),
                report=classification_report(
                    true, pred, labels=np.arange(10), output_dict=True, zero_division=0
                ),
                transduction=model.transduction_.copy(),
            )
        )
        unlabeled = np.setdiff1d(unlabeled, picked)
    return out


def rounds_table(rounds: list[Round]):
    """One row per round: labels, accuracy, macro F1, and the asked digits (pred→true)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "round": np.arange(1, len(rounds) + 1),
            "labelled": [r.n_labeled for r in rounds],
            "unlabelled": [r.n_unlabeled for r in rounds],
            "accuracy": [r.accuracy for r in rounds],
            "macro F1": [r.report["macro avg"]["f1-score"] for r in rounds],
            "asked next (pred→true)": [
                " ".join(f"{p}→{t}" for p, t in zip(r.picked_pred, r.picked_true)) for r in rounds
            ],
        }
    ).set_index("round")


# --- comparing query strategies -----------------------------------------------------


def query(
    strategy: str, model, unlabeled: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Return the indices to label next by ``"uncertainty"``, ``"margin"`` or ``"random"``.

    ``"uncertainty"`` ranks by entropy.
    """
    if strategy == "random":
        return rng.choice(unlabeled, size=min(k, len(unlabeled)), replace=False)
    scorer = {"uncertainty": entropy_scores, "margin": margin_scores}[strategy]
    return select_most_uncertain(scorer(model), unlabeled, k)


def learning_curve(
    strategy: str,
    X_pool,
    y_pool,
    X_test,
    y_test,
    *,
    n_start: int,
    rounds: int,
    per_round: int,
    seed: int,
    gamma: float = 0.25,
    max_iter: int = 20,
) -> list[tuple[int, float]]:
    """(labels used, accuracy on a fixed held-out test set) after each round.

    The start set is *n_start* random pool points (one draw per *seed*, identical for
    every strategy), so strategies differ only in what they ask for.
    """
    rng = np.random.default_rng(seed)
    labeled = rng.choice(len(y_pool), size=n_start, replace=False)
    unlabeled = np.setdiff1d(np.arange(len(y_pool)), labeled)
    curve = []
    for _ in range(rounds + 1):
        y_partial = np.full_like(y_pool, UNLABELED)
        y_partial[labeled] = y_pool[labeled]
        model = retrain(X_pool, y_partial, gamma, max_iter)
        curve.append((len(labeled), float(np.mean(model.predict(X_test) == y_test))))
        picked = query(strategy, model, unlabeled, per_round, rng)
        labeled = np.concatenate([labeled, picked])
        unlabeled = np.setdiff1d(unlabeled, picked)
    return curve


def compare_strategies(
    strategies=("uncertainty", "margin", "random"),
    *,
    seeds: int,
    rounds: int,
    pool_size: int,
    n_start: int = 40,
    per_round: int = 5,
):
    """Long table (strategy, seed, labels, accuracy) over *seeds* random splits of the digits.

    Each seed splits the digits into a pool of *pool_size* (where labels are asked for)
    and a held-out test set that no strategy ever sees.
    """
    import pandas as pd
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    rows = []
    for seed in range(seeds):
        X_pool, X_test, y_pool, y_test = train_test_split(
            X, y, train_size=pool_size, stratify=y, random_state=seed
        )
        for strategy in strategies:
            for n, acc in learning_curve(
                strategy,
                X_pool,
                y_pool,
                X_test,
                y_test,
                n_start=n_start,
                rounds=rounds,
                per_round=per_round,
                seed=seed,
            ):
                rows.append({"strategy": strategy, "seed": seed, "labels": n, "accuracy": acc})
    return pd.DataFrame(rows)


# --- state for the interactive loop -----------------------------------------------


class ActiveLearner:
    """The loop's state for a person in the loop: labels given so far, with undo.

    Parameters
    ----------
    X : ndarray, shape (n, 64)
    y_true : ndarray, shape (n,)
        The oracle's answers (used for "let the oracle label" and for scoring).
    n_labeled : int
        The first *n_labeled* points start labelled (as in the notes).
    """

    def __init__(
        self,
        X: np.ndarray,
        y_true: np.ndarray,
        n_labeled: int = 40,
        gamma: float = 0.25,
        max_iter: int = 20,
    ):
        self.X, self.y_true = X, y_true
        self.gamma, self.max_iter = gamma, max_iter
        self._start = np.full(len(y_true), UNLABELED)
        self._start[:n_labeled] = y_true[:n_labeled]
        self.reset()

    def reset(self) -> None:
        """Back to the starting labels; forget every round."""
        self.y_partial = self._start.copy()
        self._undo: list[np.ndarray] = []
        self.history: list[tuple[int, float]] = []
        self.model = None
        self.fit()

    @property
    def unlabeled(self) -> np.ndarray:
        """Indices of the points without a label."""
        return np.flatnonzero(self.y_partial == UNLABELED)

    @property
    def n_labeled(self) -> int:
        """Number of labelled points."""
        return int(np.sum(self.y_partial != UNLABELED))

    def fit(self) -> float:
        """Retrain on the current labels; record and return accuracy on the unlabelled points."""
        self.model = retrain(self.X, self.y_partial, self.gamma, self.max_iter)
        unl = self.unlabeled
        acc = float(np.mean(self.model.transduction_[unl] == self.y_true[unl])) if len(unl) else 1.0
        self.history.append((self.n_labeled, acc))
        return acc

    def ask(self, k: int) -> np.ndarray:
        """Return the *k* most uncertain unlabelled points (entropy), most uncertain first."""
        return select_most_uncertain(entropy_scores(self.model), self.unlabeled, k)

    def predicted(self, indices: np.ndarray) -> np.ndarray:
        """Return the model's labels for the points *indices*."""
        return self.model.transduction_[indices]

    def teach(self, indices, labels) -> float:
        """Give *labels* to the points *indices*, retrain, and return the new accuracy.

        Raises
        ------
        ValueError
            If nothing is given, an index is already labelled, or a label is not 0–9;
            the state is then unchanged.
        """
        indices = np.asarray(indices, dtype=int)
        labels = np.asarray(labels, dtype=int)
        if len(indices) == 0:
            raise ValueError("nothing to learn: label at least one digit")
        if len(indices) != len(labels):
            raise ValueError(f"{len(indices)} digits but {len(labels)} labels")
        if np.any((labels < 0) | (labels > 9)):
            raise ValueError("labels must be digits 0–9")
        if np.any(self.y_partial[indices] != UNLABELED):
            raise ValueError("some of these digits are already labelled")
        self._undo.append(self.y_partial.copy())
        self.y_partial[indices] = labels
        try:
            return self.fit()
        except Exception:
            self.y_partial = self._undo.pop()
            raise

    def undo(self) -> bool:
        """Take back the last round of labels; False if there is nothing to undo."""
        if not self._undo:
            return False
        self.y_partial = self._undo.pop()
        self.history.pop()
        self.model = retrain(self.X, self.y_partial, self.gamma, self.max_iter)
        return True


# --- a map of the model's uncertainty ----------------------------------------------


def digits_map(X: np.ndarray, n_neighbors: int = 10) -> np.ndarray:
    """Embed the digits in the plane with Isomap (no random numbers), shape (n, 2)."""
    from sklearn.manifold import Isomap

    isomap = Isomap(n_neighbors=n_neighbors, n_components=2, eigen_solver="dense")
    return isomap.fit_transform(X)


def draw_uncertainty_map(
    embedding: np.ndarray,
    entropy: np.ndarray,
    y: np.ndarray,
    labelled: np.ndarray,
    picked: np.ndarray,
    *,
    ax=None,
    title: str = "",
    floor: float = 1e-12,
):
    """Draw the digits map coloured by entropy, with the labelled and the asked digits marked.

    Unlabelled digits are dots coloured by the entropy of their label distribution on
    a log scale from *floor* (or less) to log 10, the largest possible entropy of ten
    classes (the most uncertain drawn on top); labelled digits are small black crosses; the
    digits asked for next are large red rings; each digit's name sits at the median
    position of its images.

    Returns
    -------
    matplotlib.axes.Axes
        With ``collections`` = [dots, crosses, rings] and one text per digit class.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
    norm = LogNorm(vmin=floor, vmax=np.log(10), clip=True)
    mask = np.zeros(len(entropy), dtype=bool)
    mask[labelled] = True
    rest = np.flatnonzero(~mask)
    rest = rest[np.argsort(entropy[rest])]  # uncertain digits on top
    dots = ax.scatter(
        *embedding[rest].T,
        c=np.maximum(entropy[rest], floor),
        cmap="viridis",
        norm=norm,
        s=14,
        label="unlabelled (colour: entropy)",
    )
    ax.scatter(*embedding[labelled].T, marker="x", c="black", s=22, linewidths=1, label="labelled")
    ax.scatter(
        *embedding[picked].T,
        facecolors="none",
        edgecolors="#D00000",
        s=150,
        linewidths=1.8,
        label="asked next",
    )
    names = []
    for digit in np.unique(y):
        cx, cy = np.median(embedding[y == digit], axis=0)
        names.append(
            ax.text(
                cx,
                cy,
                str(digit),
                fontsize=11,
                fontweight="bold",
                ha="center",
                va="center",
                color="black",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "0.5", "alpha": 0.85},
            )
        )
    ax.set(title=title, xticks=[], yticks=[], xlabel="Isomap 1", ylabel="Isomap 2")
    ax.colorbar_ = ax.figure.colorbar(dots, ax=ax, label="entropy (nats, log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3, frameon=False)
    ax.figure.canvas.draw()  # lay the figure out before measuring the names
    _separate(names)
    return ax


def _separate(texts, max_moves: int = 50) -> None:
    """Move texts down, one box height at a time, until no two bounding boxes overlap."""
    ax = texts[0].axes
    renderer = ax.figure.canvas.get_renderer()
    for i, text in enumerate(texts):
        for _ in range(max_moves):
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(t.get_window_extent(renderer)) for t in texts[:i]):
                break
            x, y = ax.transData.transform(text.get_position())
            text.set_position(ax.transData.inverted().transform((x, y - box.height)))
