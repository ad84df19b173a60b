"""Widgets for the active-learning project: a live loop and a static, kernel-free player.

* :class:`LiveLoop` (Jupyter, Binder): shows the most uncertain digits, takes a label for
  each (or the oracle's), retrains, and updates the accuracy curve and confusion matrix;
  with undo, reset and the number of digits asked per round. Every callback is a plain
  method, so tests drive it without a browser.
* :func:`static_player` (the published site): the rounds precomputed at build time, one
  panel each in a ``Stack``, chosen by a slider that a ``Play`` button drives. The links
  are ``jslink`` s, which run in the browser, so the page responds with no kernel.
"""

from __future__ import annotations

import html
import io

import numpy as np

from mlbook.active_learning import ActiveLearner, Round

DIGIT_PX = 64


def digit_png(image: np.ndarray, size: int = DIGIT_PX) -> bytes:
    """Render an 8×8 digit (values 0–16) as a *size*-pixel PNG, dark ink on white."""
    from PIL import Image

    pixels = (255 - np.clip(image, 0, 16) * (255 / 16)).astype(np.uint8)
    img = Image.fromarray(pixels).resize((size, size), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def figure_png(fig, dpi: int = 80) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def curve_figure(history: list[tuple[int, float]], *, title: str = "Accuracy as labels are added"):
    """Accuracy on the still-unlabelled digits against the number of labels."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    n, acc = zip(*history) if history else ((), ())
    ax.plot(n, acc, marker="o")
    ax.set(title=title, xlabel="labelled digits", ylabel="accuracy on unlabelled digits")
    if history:
        ax.set_ylim(min(0.8, min(acc) - 0.02), 1.0)
    fig.tight_layout()
    return fig


def confusion_figure(confusion: np.ndarray, *, title: str = "Confusion on unlabelled digits"):
    """Draw a 10 x 10 confusion matrix (counts) as a small figure; return the figure."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(3.9, 3.6))
    ConfusionMatrixDisplay(confusion, display_labels=np.arange(10)).plot(
        ax=ax, colorbar=False, cmap="Blues", values_format="d", text_kw={"fontsize": 7}
    )
    ax.set(title=title, xlabel="predicted label", ylabel="true label")
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


def png_html(png: bytes, alt: str):
    """Return an ``HTML`` widget showing a PNG with alt text (``Image`` widgets have none)."""
    import base64
    import html

    import ipywidgets as w

    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return w.HTML(f'<img src="{src}" alt="{html.escape(alt)}" style="max-width: 100%">')


def static_player(rounds: list[Round], images: np.ndarray, *, interval_ms: int = 1500):
    """Build a kernel-free player over precomputed rounds (``Play`` → slider → ``Stack``).

    Parameters
    ----------
    rounds : list of Round
        From ``mlbook.active_learning.run_rounds``.
    images : ndarray, shape (n, 8, 8)
        The digits the rounds index into.
    """
    import ipywidgets as w

    panels = []
    history = [(r.n_labeled, r.accuracy) for r in rounds]
    for i, r in enumerate(rounds):
        head = w.HTML(
            f"<b>Round {i + 1}</b>: {r.n_labeled} labelled digits, accuracy on the "
            f"{r.n_unlabeled} unlabelled ones <b>{r.accuracy:.2%}</b>. Below: the "
            f"{len(r.picked)} digits the model asks about next."
        )
        asked = png_html(
            figure_png(
                queries_figure(
                    images[r.picked], r.picked_pred, r.picked_true, "Most uncertain digits"
                )
            ),
            f"Round {i + 1}: the {len(r.picked)} digits the model is least sure of, each "
            "with its predicted and true label.",
        )
        curve = png_html(
            figure_png(curve_figure(history[: i + 1])),
            f"Accuracy on the unlabelled digits against the number of labelled digits, "
            f"rounds 1 to {i + 1}.",
        )
        conf = png_html(
            figure_png(confusion_figure(r.confusion)),
            f"Confusion matrix of round {i + 1}: true digit against predicted digit on "
            "the unlabelled digits.",
        )
        panels.append(w.VBox([head, asked, w.HBox([curve, conf])]))
    stack = w.Stack(panels, selected_index=0)
    play = w.Play(
        value=0,
        min=0,
        max=len(rounds) - 1,
        step=1,
        interval=interval_ms,
        description="Play the rounds",
    )
    slider = w.IntSlider(
        value=0, min=0, max=len(rounds) - 1, description="round index", readout=True
    )
    w.jslink((play, "value"), (slider, "value"))
    w.jslink((slider, "value"), (stack, "selected_index"))
    return w.VBox([w.HBox([play, slider]), stack])


class LiveLoop:
    """The interactive loop (needs a kernel). Display ``LiveLoop(...).ui``."""

    def __init__(self, learner: ActiveLearner, images: np.ndarray, per_round: int = 5):
        import ipywidgets as w

        self.learner, self.images = learner, images
        self.per_round = w.IntSlider(value=per_round, min=1, max=10, description="digits per round")
        self.retrain_button = w.Button(
            description="Retrain", button_style="primary", icon="refresh"
        )
        self.oracle_button = w.Button(description="Let the oracle label", icon="magic")
        self.undo_button = w.Button(description="Undo last round", icon="undo")
        self.reset_button = w.Button(description="Reset", icon="trash")
        self.message = w.HTML()
        self.queries = w.HBox()
        self.curve = w.Image(format="png")
        self.confusion = w.Image(format="png")
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
        self.inputs = [w.Text(placeholder="0–9", layout=w.Layout(width="64px")) for _ in self.asked]
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

    def refresh(self) -> None:
        """Show new queries and redraw the accuracy curve and the confusion matrix."""
        from sklearn.metrics import confusion_matrix

        self.show_queries()
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
            f"Learnt {len(indices)} label(s): accuracy {before:.1%} → {acc:.1%} "
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
