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
    """Show images (``(n, h, w)``) in a grid with a title above each; returns the figure.

    Each image takes *size* inches, less if the row would be wider than the page's
    column (:data:`COLUMN_PX`): the page would shrink the figure and its titles with it.
    """
    import matplotlib.pyplot as plt

    n = len(images)
    nrows = max(1, -(-n // ncols))
    size = min(size, 0.98 * COLUMN_PX / 100 / ncols)  # at the book's 100 dpi
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, (size + 0.4) * nrows), squeeze=False
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


#: The width of the page's text column in CSS pixels (a figure wider than this is shrunk).
COLUMN_PX = 755
#: The smallest text a reader must read on a figure, in CSS pixels at the displayed size.
MIN_TEXT_PX = 11.0


def displayed_px_per_inch(fig, column_px: float = COLUMN_PX) -> float:
    """CSS pixels per figure inch once the page shows *fig*.

    The page shows the PNG that IPython saves (``bbox_inches="tight"``, the figure's
    dpi), shrunk to the column when it is wider.
    """
    renderer = fig.canvas.get_renderer()
    width_in = fig.get_tightbbox(renderer).width + 2 * mpl.rcParams["savefig.pad_inches"]
    return min(width_in * fig.dpi, column_px) / width_in


def _drawn_tick_labels(axis) -> list:
    # Axis._update_ticks() returns the ticks inside the view (the ones drawn); the public
    # get_ticklabels() also returns labels of ticks outside it.
    ticks = axis._update_ticks()
    return [
        label
        for tick in ticks
        for label in (tick.label1, tick.label2)
        if label.get_visible() and label.get_text().strip()
    ]


def _texts(fig) -> list:
    """Every piece of text the PNG of *fig* shows (titles, labels, ticks, legends, notes)."""
    texts = list(fig.texts)
    if getattr(fig, "_suptitle", None) is not None:
        texts.append(fig._suptitle)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += list(ax.texts)
        texts += _drawn_tick_labels(ax.xaxis) + _drawn_tick_labels(ax.yaxis)
        if ax.get_legend() is not None:
            texts += [*ax.get_legend().get_texts(), ax.get_legend().get_title()]
    legends = getattr(fig, "legends", [])
    for legend in legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _overlapping(labels, renderer) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in labels]
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            if box_a.overlaps(box_b):
                pairs.append((a, b))
    return pairs


def _densified(xy: np.ndarray, step_px: float = 3.0, cap: int = 20_000) -> np.ndarray:
    """Points every *step_px* pixels along a polyline given in display coordinates."""
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return xy
    seg = np.diff(xy, axis=0)
    counts = np.clip(np.ceil(np.hypot(*seg.T) / step_px).astype(int), 1, cap)
    parts = [
        xy[:-1][i] + seg[i] * np.linspace(0, 1, n, endpoint=False)[:, None]
        for i, n in enumerate(counts)
    ]
    return np.vstack([*parts, xy[-1:]])


def _covered_points(ax, renderer) -> int:
    """How many plotted points (markers, line paths, scatter) the axes' legend covers."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return 0
    box = legend.get_window_extent(renderer)
    view = ax.get_window_extent(renderer)
    points = []
    for line in ax.lines:
        if not line.get_visible() or not len(line.get_xydata()):
            continue
        xy = line.get_transform().transform(line.get_xydata())  # axvline: axes fraction
        drawn = line.get_linestyle() not in ("None", "none", "", " ")
        points.append(_densified(xy) if drawn else xy)
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if coll.get_visible() and len(offsets) and coll.get_offset_transform() == ax.transData:
            points.append(ax.transData.transform(offsets))
    covered = 0
    for xy in points:
        xy = xy[np.isfinite(xy).all(axis=1)]
        x, y = xy[:, 0], xy[:, 1]
        in_view = (x >= view.x0) & (x <= view.x1) & (y >= view.y0) & (y <= view.y1)
        in_legend = (x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)
        covered += int(np.sum(in_view & in_legend))
    return covered


def figure_problems(
    fig, column_px: float = COLUMN_PX, min_text_px: float = MIN_TEXT_PX
) -> list[str]:
    """List what makes *fig* hard to read on the page (empty when nothing does).

    Checks, at the size the page displays the figure (see :func:`displayed_px_per_inch`):
    text smaller than *min_text_px*; tick labels that overlap each other; texts drawn in
    the axes (annotations, point labels) that overlap each other; a legend that covers
    plotted points; fractional ticks on an axis labelled "epoch" or "round".
    """
    if not hasattr(fig.canvas, "get_renderer"):
        # a figure the inline backend has already shown and closed has a bare canvas;
        # IPython renders it with Agg, and so do we
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scale = displayed_px_per_inch(fig, column_px) / 72
    problems = []
    small = sorted({(round(t.get_fontsize() * scale, 1), t.get_text()[:30]) for t in _texts(fig)})
    tiny = [(px, text) for px, text in small if px < min_text_px]
    if tiny:
        shown = ", ".join(f"{text!r} at {px} px" for px, text in tiny[:4])
        problems.append(
            f"{len(tiny)} text(s) smaller than {min_text_px:g} px on the page ({shown}): "
            "make the figure narrower or the font larger"
        )
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        name = ax.get_title() or ax.get_xlabel() or "an axes"
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            pairs = _overlapping(_drawn_tick_labels(axis), renderer)
            if pairs:
                problems.append(
                    f"panel {name!r}: {which} tick labels overlap ({pairs[0][0]!r}, "
                    f"{pairs[0][1]!r}): fewer ticks or rotate them"
                )
            label = axis.label.get_text().lower()
            if any(word in label for word in ("epoch", "round", "iteration")):
                lo, hi = axis.get_view_interval()
                locs = [v for v in axis.get_majorticklocs() if lo <= v <= hi]
                if any(abs(v - round(v)) > 1e-9 for v in locs):
                    problems.append(f"panel {name!r}: fractional ticks on the {label!r} axis")
        pairs = _overlapping([t for t in ax.texts if t.get_visible()], renderer)
        if pairs:
            problems.append(f"panel {name!r}: texts overlap ({pairs[0][0]!r}, {pairs[0][1]!r})")
        covered = _covered_points(ax, renderer)
        if covered:
            problems.append(
                f"panel {name!r}: the legend covers {covered} plotted point(s): "
                "move it outside the data"
            )
    return problems


def compact_png(png: bytes) -> bytes:
    """Return *png* with a 256-colour palette (dithered) when that makes it smaller.

    Book figures are flat colours and antialiased lines; a palette of 256 colours chosen
    for the image keeps them visibly identical (photographs are dithered) at about 40 %
    of the bytes, which keeps pages within their transfer budget.
    """
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.mode not in ("RGB", "RGBA"):
        return png
    palette = image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG
    )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png
