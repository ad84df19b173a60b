"""Widgets for the active-learning project: a live loop and a static, kernel-free player.

* :class:`LiveLoop` (Jupyter, Binder): shows the most uncertain digits, takes a label for
  each (or the oracle's), retrains, and updates the accuracy curve and confusion matrix;
  with undo, reset and the number of digits asked per round. A status line always says
  how many digits are labelled and the current accuracy (the message above it may be an
  error). Every callback is a plain method, so tests drive it without a browser; its
  parts carry ``mlbook-live-*`` CSS classes, so a browser test finds them too.
* :func:`static_player` (the published site): the rounds precomputed at build time, one
  panel each in a ``Stack``, chosen by a slider (it reads "1 of 5" … "5 of 5") that a
  ``Play`` button drives; each round's heading, in a ``Stack`` of its own, is what the
  page announces to screen readers (``mlbook-frames-said``, as for
  :func:`mlbook.explorable.frames_player`). The links are ``jslink`` s, which run in
  the browser, so the page responds with no kernel.
"""

from __future__ import annotations

import html
import io

import numpy as np

from mlbook.active_learning import ActiveLearner, Round
from mlbook.explorable import data_uri, image_html, png_size  # noqa: F401  (png_size: API)
from mlbook.typeset import percent, plural

DIGIT_PX = 64

#: Resolution of the figures shown in the widgets: one figure pixel is one CSS pixel, so
#: a font of ``pt`` points is drawn ``pt * FIGURE_DPI / 72`` pixels high on the page.
FIGURE_DPI = 80

#: Font size (points) of the confusion matrix's counts and digit labels: 12 px on the
#: page at :data:`FIGURE_DPI`, readable at the size the player shows it.
CONFUSION_FONT_PT = 11


def digit_png(image: np.ndarray, size: int = DIGIT_PX) -> bytes:
    """Render an 8×8 digit (values 0–16) as a *size*-pixel PNG, dark ink on white."""
    from PIL import Image

    pixels = (255 - np.clip(image, 0, 16) * (255 / 16)).astype(np.uint8)
    img = Image.fromarray(pixels).resize((size, size), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def figure_png(fig, dpi: int = FIGURE_DPI) -> bytes:
    """Render a matplotlib figure to compact PNG bytes and close it."""
    import matplotlib.pyplot as plt

    from mlbook.plotting import compact_png

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return compact_png(buf.getvalue())


def curve_figure(history: list[tuple[int, float]], *, title: str = "Accuracy as labels are added"):
    """Accuracy on the still-unlabelled digits against the number of labels."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    n, acc = zip(*history) if history else ((), ())
    ax.plot(n, acc, marker="o")
    ax.set(title=title, xlabel="labelled digits", ylabel="accuracy on unlabelled digits")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "40.2 labelled digits"
    if history:
        ax.set_ylim(min(0.8, min(acc) - 0.02), 1.0)
    fig.tight_layout()
    return fig


def confusion_figure(confusion: np.ndarray, *, title: str = "Confusion on unlabelled digits"):
    """Draw a 10 x 10 confusion matrix (counts) as a small figure; return the figure."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(4.4, 4.1))
    ConfusionMatrixDisplay(confusion, display_labels=np.arange(10)).plot(
        ax=ax,
        colorbar=False,
        cmap="Blues",
        values_format="d",
        text_kw={"fontsize": CONFUSION_FONT_PT},
    )
    ax.tick_params(labelsize=CONFUSION_FONT_PT)
    ax.set_title(title, fontsize=CONFUSION_FONT_PT + 1)
    ax.set_xlabel("predicted label", fontsize=CONFUSION_FONT_PT)
    ax.set_ylabel("true label", fontsize=CONFUSION_FONT_PT)
    ax.grid(False)
    fig.tight_layout()
    return fig


def queries_figure(images: np.ndarray, pred: np.ndarray, true: np.ndarray | None, title: str):
    """Draw the asked digits in a row, captioned with the model's guess (and the truth)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, max(len(images), 1), figsize=(1.2 * max(len(images), 1), 1.9), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes.flat, images)):
        ax.imshow(img, cmap="gray_r", interpolation="nearest")
        caption = f"model: {pred[i]}" + (f"\ntrue: {true[i]}" if true is not None else "")
        ax.set_title(caption, fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _ink_on(rgba) -> str:
    """Black or white, whichever contrasts more with the colour *rgba* (WCAG luminance)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def confusion_html(confusion: np.ndarray, caption: str) -> str:
    """Return a 10 x 10 confusion matrix (counts) as an HTML table, shaded like a heatmap.

    A table rather than a picture: its numbers are text at the page's own size (readable
    on a phone, by a screen reader, in the dark theme), and it weighs a few kilobytes.
    """
    import matplotlib as mpl

    cmap = mpl.colormaps["Blues"]
    top = max(int(confusion.max()), 1)
    cell = "padding:0.15rem 0.35rem;text-align:right;min-width:2.1em"
    rows = []
    for true, counts in enumerate(confusion):
        cells = []
        for count in counts:
            shade = 0.05 + 0.85 * count / top
            color = mpl.colors.to_hex(cmap(shade))
            ink = _ink_on(cmap(shade))
            cells.append(f'<td style="{cell};background:{color};color:{ink}">{int(count)}</td>')
        rows.append(f'<tr><th scope="row" style="{cell}">{true}</th>{"".join(cells)}</tr>')
    head = "".join(f'<th scope="col" style="{cell}">{d}</th>' for d in range(10))
    return (
        '<table class="confusion" style="border-collapse:collapse;font-size:0.85rem;'
        'font-variant-numeric:tabular-nums">'
        f'<caption style="caption-side:top;font-weight:bold">{html.escape(caption)}</caption>'
        f'<thead><tr><th style="{cell}">true ↓ predicted →</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def queries_html(images: np.ndarray, pred: np.ndarray, true: np.ndarray | None, title: str) -> str:
    """Return the asked digits in a row as HTML: each image with the model's guess (and truth).

    Each 8 x 8 digit is a tiny PNG (:func:`digit_png`) with alt text; the captions are
    text, so they stay readable at any width and the row wraps on a phone.
    """
    figures = []
    for i, image in enumerate(images):
        caption = f"model: {pred[i]}" + (f"<br>true: {true[i]}" if true is not None else "")
        alt = f"digit {i + 1}: the model says {pred[i]}" + (
            f", the true label is {true[i]}" if true is not None else ""
        )
        figures.append(
            '<figure style="display:inline-block;margin:0 0.6rem 0.4rem 0;text-align:center">'
            f'<img src="{data_uri(digit_png(image))}" alt="{html.escape(alt)}" width="{DIGIT_PX}"'
            f' height="{DIGIT_PX}" style="border:1px solid #999">'
            f'<figcaption style="font-size:0.85rem">{caption}</figcaption></figure>'
        )
    return f"<div><b>{html.escape(title)}</b></div><div>{''.join(figures)}</div>"


def png_html(png: bytes, alt: str):
    """Return an ``HTML`` widget showing a PNG with alt text (``Image`` widgets have none).

    The image is shown at its own size (one pixel per CSS pixel, so the fonts keep the
    size :data:`FIGURE_DPI` gives them), shrinking only on a screen narrower than it.
    """
    import ipywidgets as w

    return w.HTML(image_html(png, alt))


def round_heading(r: Round, number: int, total: int) -> str:
    """Return the sentence over round *number* of *total* in the player (HTML).

    Every round but the last shows the digits the model asks about next; the last has
    no next round, so it says what its digits are instead.
    """
    head = (
        f"<b>Round {number} of {total}</b>: {plural(r.n_labeled, 'labelled digit')}, "
        f"accuracy on the {r.n_unlabeled:,} unlabelled ones <b>{percent(r.accuracy, 2)}</b>."
    )
    asked = plural(len(r.picked), "digit")
    if number < total:
        return f"{head} Below: the {asked} the model asks about next."
    return (
        f"{head} This is the last round. Below: the {asked} the model is now least sure "
        "of, the ones a further round would label."
    )


def static_player(rounds: list[Round], images: np.ndarray, *, interval_ms: int = 1500):
    """Build a kernel-free player over precomputed rounds (``Play``, slider, ``Stack``).

    Parameters
    ----------
    rounds : list of Round
        From ``mlbook.active_learning.run_rounds``.
    images : ndarray, shape (n, 8, 8)
        The digits the rounds index into.
    """
    import ipywidgets as w

    panels, headings = [], []
    history = [(r.n_labeled, r.accuracy) for r in rounds]
    for i, r in enumerate(rounds):
        headings.append(w.HTML(round_heading(r, i + 1, len(rounds))))
        digits = plural(len(r.picked), "digit")
        asked = w.HTML(
            queries_html(
                images[r.picked],
                r.picked_pred,
                r.picked_true,
                f"Round {i + 1}: the {digits} the model is least sure of",
            )
        )
        curve = png_html(
            figure_png(curve_figure(history[: i + 1])),
            f"Round {i + 1}: accuracy on the unlabelled digits against the number of "
            f"labelled digits, rounds 1 to {i + 1}.",
        )
        conf = w.HTML(
            confusion_html(
                r.confusion,
                f"Round {i + 1}: true digit against predicted, unlabelled digits",
            )
        )
        # the row wraps rather than shrink the figures when the page is narrow
        figures = w.HBox([curve, conf], layout=w.Layout(flex_flow="row wrap"))
        panels.append(w.VBox([asked, figures]))
    stack = w.Stack(panels, selected_index=0)
    # the heading has the round's numbers: the page announces it (mlbook/frames.js)
    said = w.Stack(headings, selected_index=0).add_class("mlbook-frames-said")
    play = w.Play(
        value=0,
        min=0,
        max=len(rounds) - 1,
        step=1,
        interval=interval_ms,
        description="Play the rounds",
    )
    # the slider reads "1 of 5" ... "5 of 5"; its index (0-based) is what the links move
    total = len(rounds)
    slider = w.SelectionSlider(
        options=[(f"{k} of {total}", k - 1) for k in range(1, total + 1)],
        index=0,
        description="Round",
        readout=True,
    )
    w.jslink((play, "value"), (slider, "index"))
    w.jslink((slider, "index"), (stack, "selected_index"))
    w.jslink((slider, "index"), (said, "selected_index"))
    return w.VBox([w.HBox([play, slider]), said, stack])


class LiveLoop:
    """The interactive loop (needs a kernel). Display ``LiveLoop(...).ui``."""

    def __init__(self, learner: ActiveLearner, images: np.ndarray, per_round: int = 5):
        import ipywidgets as w

        self.learner, self.images = learner, images
        # labels at their own width: JupyterLab cut them to "digits per ..." and
        # "Let the oracle l..." at the widgets' default widths
        self.per_round = w.IntSlider(
            value=per_round,
            min=1,
            max=10,
            description="digits per round",
            style={"description_width": "initial"},
        )
        fit = w.Layout(width="auto")
        self.retrain_button = w.Button(
            description="Retrain", button_style="primary", icon="refresh", layout=fit
        )
        self.oracle_button = w.Button(description="Let the oracle label", icon="magic", layout=fit)
        self.undo_button = w.Button(description="Undo last round", icon="undo", layout=fit)
        self.reset_button = w.Button(description="Reset", icon="trash", layout=fit)
        self.message = w.HTML()
        self.status = w.HTML()
        self.queries = w.HBox()
        self.curve = w.Image(format="png")
        self.confusion = w.Image(format="png")
        for part, name in [
            (self.message, "message"),
            (self.status, "status"),
            (self.queries, "queries"),
            (self.curve, "curve"),
            (self.confusion, "confusion"),
            (self.retrain_button, "retrain"),
            (self.oracle_button, "oracle"),
        ]:
            part.add_class(f"mlbook-live-{name}")
        self.inputs: list = []
        self.asked = np.array([], dtype=int)
        self.retrain_button.on_click(self.on_retrain)
        self.oracle_button.on_click(self.on_oracle)
        self.undo_button.on_click(self.on_undo)
        self.reset_button.on_click(self.on_reset)
        self.per_round.observe(lambda change: self.show_queries(), names="value")
        self.ui = w.VBox(
            [
                w.HBox([self.per_round, self.oracle_button, self.retrain_button]),
                self.queries,
                self.message,
                self.status,
                w.HBox([self.undo_button, self.reset_button]),
                w.HBox([self.curve, self.confusion]),
            ]
        )
        self.refresh()

    # -- display ---------------------------------------------------------------------
    def show_queries(self) -> None:
        """Ask the learner for the next digits and show each with an input box."""
        import ipywidgets as w

        self.asked = self.learner.ask(self.per_round.value)
        pred = self.learner.predicted(self.asked)
        self.inputs = [
            w.Text(placeholder="0–9", layout=w.Layout(width="64px")).add_class("mlbook-live-label")
            for _ in self.asked
        ]
        self.queries.children = [
            w.VBox(
                [
                    w.Image(value=digit_png(self.images[i]), format="png"),
                    w.Label(f"model: {p}"),
                    box,
                ]
            )
            for i, p, box in zip(self.asked, pred, self.inputs)
        ]
        if len(self.asked) == 0:
            self.say("Every digit is labelled.", "info")

    def status_text(self) -> str:
        """Return the status line: the labelled digits and the learner's current accuracy."""
        n_labeled, accuracy = self.learner.n_labeled, self.learner.history[-1][1]
        return (
            f"{plural(n_labeled, 'labelled digit')} · accuracy {percent(accuracy)} "
            "on the unlabelled digits"
        )

    def refresh(self) -> None:
        """Show new queries, the status line, the accuracy curve and the confusion matrix."""
        from sklearn.metrics import confusion_matrix

        self.show_queries()
        self.status.value = f"<b>{html.escape(self.status_text())}</b>"
        unl = self.learner.unlabeled
        cm = confusion_matrix(
            self.learner.y_true[unl], self.learner.predicted(unl), labels=np.arange(10)
        )
        self.curve.value = figure_png(curve_figure(self.learner.history))
        self.confusion.value = figure_png(confusion_figure(cm))

    def say(self, text: str, kind: str = "info") -> None:
        """Show a message, coloured by *kind*: ``"info"``, ``"error"`` or ``"ok"``."""
        color = {"info": "#1a5fb4", "error": "#c01c28", "ok": "#26a269"}[kind]
        self.message.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    # -- callbacks ----------------------------------------------------------------------
    def parse_labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the digits the reader labelled and their labels; ``ValueError`` on bad input."""
        chosen, labels, bad = [], [], []
        for n, (idx, box) in enumerate(zip(self.asked, self.inputs), start=1):
            text = box.value.strip()
            if not text:
                continue
            if len(text) != 1 or not text.isdigit():
                bad.append(f"box {n} ({text!r})")
                continue
            chosen.append(idx)
            labels.append(int(text))
        if bad:
            raise ValueError("Not a digit 0–9: " + ", ".join(bad) + ". Type one digit per box.")
        if not chosen:
            raise ValueError(
                "Nothing to learn yet: type a digit 0–9 under at least one image, "
                "or press “Let the oracle label”."
            )
        return np.array(chosen), np.array(labels)

    def on_retrain(self, _=None) -> None:
        """Teach the typed labels and retrain; on bad input, say why and change nothing."""
        try:
            indices, labels = self.parse_labels()
            before = self.learner.history[-1][1]
            acc = self.learner.teach(indices, labels)
        except ValueError as exc:
            self.say(str(exc), "error")  # state untouched, boxes keep their text
            return
        self.say(
            f"Learnt {plural(len(indices), 'label')}: accuracy {percent(before)} → "
            f"{percent(acc)} "
            f"with {self.learner.n_labeled} labelled digits.",
            "ok",
        )
        self.refresh()

    def on_oracle(self, _=None) -> None:
        """Fill the input boxes with the true labels."""
        for idx, box in zip(self.asked, self.inputs):
            box.value = str(int(self.learner.y_true[idx]))
        self.say("The oracle filled in the true labels; press Retrain.", "info")

    def on_undo(self, _=None) -> None:
        """Take back the last round, if there is one."""
        if self.learner.undo():
            self.say("Took back the last round.", "info")
            self.refresh()
        else:
            self.say("Nothing to undo.", "error")

    def on_reset(self, _=None) -> None:
        """Go back to the starting labels."""
        self.learner.reset()
        self.say("Back to the starting labels.", "info")
        self.refresh()
