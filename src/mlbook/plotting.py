"""Figure helpers shared by every chapter.

Figures have an opaque white background with dark text, so they read the same in
the site's light and dark themes. Helpers take an optional ``ax`` and return it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np

BOOK_STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "axes.titleweight": "bold",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.0),
}


def use_book_style() -> None:
    """Apply the book's figure style (opaque background, readable in dark mode)."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", rc=BOOK_STYLE)


def _axes(ax=None, **subplots_kw):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(**subplots_kw)
    return ax


def plot_history(
    history: dict[str, Sequence[float]],
    metric: str = "accuracy",
    *,
    ax=None,
    title: str | None = None,
    val_label: str = "validation",
):
    """Plot a Keras ``history.history`` metric per epoch (training and held-out curves).

    Parameters
    ----------
    history : dict
        ``History.history``: lists of per-epoch values keyed ``metric`` and ``val_metric``.
    metric : str
        ``"accuracy"`` or ``"loss"``.
    val_label : str
        Legend label of the ``val_*`` curve (say "test" when it is the test set).
    """
    ax = _axes(ax)
    epochs = np.arange(1, len(history[metric]) + 1)
    ax.plot(epochs, history[metric], marker="o", label="training")
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], marker="s", label=val_label)
    ax.set(title=title or f"{metric.capitalize()} per epoch", xlabel="epoch", ylabel=metric)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.legend()
    return ax


def plot_image_grid(
    images: np.ndarray,
    titles: Sequence[str],
    *,
    ncols: int = 8,
    suptitle: str = "",
    cmap: str = "gray_r",
    size: float = 1.3,
):
    """Show images (``(n, h, w)``) in a grid with a title above each; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, (size + 0.35) * nrows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, title in zip(axes.flat, images, titles):
        ax.imshow(img, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    ax=None,
    normalize: str | None = None,
    title: str = "Confusion matrix",
):
    """Draw a scikit-learn ``ConfusionMatrixDisplay`` with the book's labels; return the axes."""
    from sklearn.metrics import ConfusionMatrixDisplay

    ax = _axes(ax, figsize=(6, 5.5))
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        ax=ax,
        normalize=normalize,
        colorbar=False,
        cmap="Blues",
        values_format=".2f" if normalize else "d",
    )
    ax.set(title=title, xlabel="predicted label", ylabel="true label")
    ax.grid(False)
    return ax
