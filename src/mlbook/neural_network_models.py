"""Chapter *Neural network models*: layers, models and the three ways to build one in Keras.

Also the compile/fit/evaluate/predict cycle and model diagrams.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras
    import pandas as pd

#: Per-profile settings: the MNIST subsets (``None``: all) and the training of the MLPs.
SETTINGS = freeze(
    {
        "full": {
            "train_size": None,
            "test_size": None,
            "epochs": 5,
            "batch_size": 64,
            "units": 64,
        },
        "quick": {
            "train_size": 2000,
            "test_size": 2000,
            "epochs": 1,
            "batch_size": 64,
            "units": 64,
        },
    }
)

#: The course notes' MNIST classifier (their deep-learning example, which this part of
#: the book builds on): one hidden layer of 128 units, trained with Adam for 10 epochs on
#: all 60 000 training images in Keras' default batches of 32 (1875 steps an epoch).
NOTES_MLP = MappingProxyType(
    {"hidden units": 128, "training images": 60_000, "epochs": 10, "batch size": 32}
)

#: Set this environment variable to ``1`` to behave as if Graphviz were missing
#: (how the chapter's fallback is previewed and tested).
NO_GRAPHVIZ_ENV = "MLBOOK_NO_GRAPHVIZ"

#: The Keras backends of the seed's text and of Keras 3.
SEED_BACKENDS = ("tensorflow", "cntk", "theano")
KERAS3_BACKENDS = ("tensorflow", "jax", "torch")


def dense_by_hand(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, activation: str = "relu"
) -> np.ndarray:
    """Apply a ``Dense`` layer by hand: ``activation(x @ kernel + bias)``, in NumPy.

    Parameters
    ----------
    x : ndarray, shape (batch, n_in)
    kernel : ndarray, shape (n_in, n_out)
    bias : ndarray, shape (n_out,)
    activation : {"relu", "linear", "softmax"}

    Returns
    -------
    ndarray, shape (batch, n_out)
    """
    z = x @ kernel + bias
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if activation == "linear":
        return z
    raise ValueError(f"unknown activation {activation!r}")


def dense_params(n_in: int, n_out: int) -> int:
    """Count the weights of a ``Dense(n_out)`` layer fed ``n_in`` features."""
    return n_in * n_out + n_out


def mlp_params(widths: Sequence[int]) -> int:
    """Count the weights of a stack of ``Dense`` layers by hand.

    *widths* lists the input width first, then each layer's ``units``: ``[784, 64, 10]``
    is the chapter's MLP. Each layer adds ``dense_params(n_in, n_out)``.
    """
    pairs = pairwise(widths)  # (n_in, n_out) of each Dense layer
    return sum(dense_params(n_in, n_out) for n_in, n_out in pairs)


def draw_dense_layer(n_in: int = 4, n_out: int = 3):
    """Draw a ``Dense(n_out)`` layer fed ``n_in`` features, two ways, with its weight count.

    Left: the layer as a network, one line per kernel weight (grey) and per bias (dashed),
    the lines into the first output highlighted. Right: the same computation as the
    matrix product ``x @ W + b``, the cells that make the first output highlighted.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes; the left one has ``n_in * n_out + n_out`` lines, the right one
        ``n_in + n_in * n_out + 2 * n_out`` cells.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle

    hi, lo, bias_colour = "#1f77b4", "#b0b0b0", "#d95f02"
    fig, (net, mat) = plt.subplots(1, 2, figsize=(7, 3.4), gridspec_kw={"width_ratios": [1, 1.5]})
    # --- left: the network -----------------------------------------------------------
    ys_in = np.linspace(1, -1, n_in) if n_in > 1 else np.zeros(1)
    ys_out = np.linspace(0.8, -0.8, n_out) if n_out > 1 else np.zeros(1)
    y_bias = -1.55
    for j, yo in enumerate(ys_out):
        colour = hi if j == 0 else lo
        for yi in ys_in:
            net.plot([0, 2], [yi, yo], color=colour, lw=2 if j == 0 else 1, zorder=1)
        net.plot(
            [0, 2],
            [y_bias, yo],
            color=hi if j == 0 else bias_colour,
            ls="--",
            lw=2 if j == 0 else 1,
            zorder=1,
        )
    for i, yi in enumerate(ys_in):
        net.add_patch(Circle((0, yi), 0.17, fc="white", ec="#222222", zorder=2))
        net.text(0, yi, f"$x_{i + 1}$", ha="center", va="center", fontsize=10, zorder=3)
    net.add_patch(Circle((0, y_bias), 0.17, fc="white", ec=bias_colour, zorder=2))
    net.text(0, y_bias, "1", ha="center", va="center", fontsize=10, zorder=3)
    for j, yo in enumerate(ys_out):
        net.add_patch(
            Circle((2, yo), 0.17, fc="#dbe9f6" if j == 0 else "white", ec="#222222", zorder=2)
        )
        net.text(2, yo, f"$y_{j + 1}$", ha="center", va="center", fontsize=10, zorder=3)
    total = dense_params(n_in, n_out)
    net.set_title(f"As a network:\n{n_in} × {n_out} + {n_out} = {total} weights", fontsize=11)
    net.set(xlim=(-0.45, 2.45), ylim=(-1.85, 1.3), aspect="equal")
    net.axis("off")

    # --- right: the matrix product ---------------------------------------------------
    def grid(x0, rows, cols, lit, label):
        """Draw a rows × cols grid with its top-left corner at (x0, 0); return its right."""
        top = rows / 2
        for r in range(rows):
            for c in range(cols):
                mat.add_patch(
                    Rectangle(
                        (x0 + c, top - r - 1),
                        1,
                        1,
                        fc="#dbe9f6" if lit(r, c) else "white",
                        ec="#222222",
                        lw=1,
                    )
                )
        mat.text(x0 + cols / 2, -n_in / 2 - 0.3, label, ha="center", va="top", fontsize=10)
        return x0 + cols

    right = grid(0, 1, n_in, lambda r, c: True, f"$x$\n1 × {n_in}")
    mat.text(right + 0.5, 0, "@", ha="center", va="center", fontsize=12)
    right = grid(right + 1, n_in, n_out, lambda r, c: c == 0, f"$W$\n{n_in} × {n_out}")
    mat.text(right + 0.5, 0, "+", ha="center", va="center", fontsize=12)
    right = grid(right + 1, 1, n_out, lambda r, c: c == 0, f"$b$\n{n_out}")
    mat.text(right + 1.25, 0, "→ φ →", ha="center", va="center", fontsize=11)
    right = grid(right + 2.5, 1, n_out, lambda r, c: c == 0, f"$y$\n1 × {n_out}")
    mat.set_title("As a matrix product:\ny = φ(x @ W + b)", fontsize=11)
    mat.set(xlim=(-0.3, right + 0.3), ylim=(-n_in / 2 - 1.9, n_in / 2 + 0.3), aspect="equal")
    mat.axis("off")
    fig.tight_layout()
    return fig


def build_sequential(units: int = 64, n_classes: int = 10) -> keras.Model:
    """Build the chapter's MLP as a **Sequential** model: layers applied in order."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ],
        name="sequential_mlp",
    )


def build_functional(units: int = 64, n_classes: int = 10) -> keras.Model:
    """Build the same MLP with the **Functional** API: layers called on tensors."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten()(inputs)
    x = layers.Dense(units, activation="relu")(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="functional_mlp")


def _subclassed_class():
    import keras
    from keras import layers

    class SubclassedMLP(keras.Model):
        """The same MLP by **subclassing**.

        The layers are made in ``__init__``, the forward pass is written in ``call``.
        """

        def __init__(self, units: int = 64, n_classes: int = 10, **kwargs):
            super().__init__(**kwargs)
            self.flatten = layers.Flatten()
            self.hidden = layers.Dense(units, activation="relu")
            self.out = layers.Dense(n_classes, activation="softmax")

        def call(self, inputs):
            return self.out(self.hidden(self.flatten(inputs)))

    return SubclassedMLP


def build_subclassed(units: int = 64, n_classes: int = 10) -> keras.Model:
    """Build the same MLP as a subclass of ``keras.Model``, by calling it once on a batch."""
    model = _subclassed_class()(units, n_classes, name="subclassed_mlp")
    model(np.zeros((1, 28, 28), "float32"))  # creates the weights (no Input to infer them)
    return model


BUILDERS = {
    "Sequential": build_sequential,
    "Functional": build_functional,
    "Subclassing": build_subclassed,
}


def _miswired(kind: str):
    """Build a model of *kind* whose ``Dense(4)`` output is reshaped to 5 numbers."""
    import keras
    from keras import layers

    if kind == "Sequential":
        return keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Reshape((5,))])
    if kind == "Functional":
        inputs = keras.Input((3,))
        return keras.Model(inputs, layers.Reshape((5,))(layers.Dense(4)(inputs)))

    class Miswired(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense, self.reshape = layers.Dense(4), layers.Reshape((5,))

        def call(self, inputs):
            return self.reshape(self.dense(inputs))

    return Miswired()


def keras_capabilities() -> dict[str, dict[str, bool]]:
    """Check on the installed Keras what it can do with the MLP built each way.

    For ``"Sequential"``, ``"Functional"`` and ``"Subclassing"`` (the :data:`BUILDERS`):

    ``shapes_before_data``
        ``summary()`` shows every layer's output shape before any data has passed
        (a subclassed model is taken before its first call, which shows ``?``).
    ``wiring_checked_when_built``
        A wiring mistake (a ``Dense(4)`` output reshaped to 5 numbers) raises when the
        model is built, not only when data first runs through it.
    ``clones``
        ``keras.models.clone_model`` copies it.
    ``reloads``
        A ``.keras`` file of it loads back without its class being registered.
    """
    import keras

    found = {}
    for kind, build in BUILDERS.items():
        model = build()
        fresh = _subclassed_class()() if kind == "Subclassing" else model  # not yet called
        lines = []  # print_fn: in a notebook, summary() displays HTML instead of printing
        fresh.summary(print_fn=lambda line, _lines=lines, **_: _lines.append(line))
        try:
            _miswired(kind)
            checked = False
        except ValueError:
            checked = True
        try:
            keras.models.clone_model(model)
            clones = True
        except (TypeError, ValueError):
            clones = False
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.keras"
            model.save(path)
            try:
                keras.models.load_model(path)
                reloads = True
            except TypeError:  # "Could not locate class ...": not registered
                reloads = False
        found[kind] = {
            "shapes_before_data": lines != [] and "?" not in "".join(lines),
            "wiring_checked_when_built": checked,
            "clones": clones,
            "reloads": reloads,
        }
    return found


def compile_model(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Attach the optimiser, the loss (minimised) and the metric (reported)."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def layer_table(model: keras.Model) -> pd.DataFrame:
    """One row per layer: name, type, output shape and number of weights.

    What ``model.summary()`` prints, as a table the page can compute with.
    """
    import pandas as pd

    rows = []
    for layer in model.layers:
        try:
            shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):  # subclassed models have no symbolic outputs
            shape = None
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output shape": str(shape) if shape else "(not recorded)",
                "weights": layer.count_params(),
            }
        )
    return pd.DataFrame(rows)


def copy_weights(source: keras.Model, target: keras.Model) -> keras.Model:
    """Give *target* the weights of *source* (same architecture, any construction style)."""
    target.set_weights(source.get_weights())
    return target


def fit_evaluate(
    model: keras.Model,
    data: tuple[np.ndarray, ...],
    *,
    epochs: int,
    batch_size: int,
    verbose: int = 0,
) -> dict[str, float]:
    """Run the whole cycle: ``fit`` on the training data, ``evaluate`` on the test data.

    10 % of the training data is held out for validation.

    Parameters
    ----------
    data : (x_train, y_train, x_test, y_test)
        Images ``(n, 28, 28)`` float32 in [0, 1] and integer labels ``(n,)``.

    Returns
    -------
    dict
        ``train_accuracy``, ``val_accuracy`` (last epoch), ``test_accuracy``, ``test_loss``
        and ``weights`` (the number of parameters).
    """
    x_train, y_train, x_test, y_test = data
    history = training.train(
        model,
        x_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=0.1,
        verbose=verbose,
    )
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    return {
        "train_accuracy": history["accuracy"][-1],
        "val_accuracy": history["val_accuracy"][-1],
        "test_accuracy": float(test_acc),
        "test_loss": float(test_loss),
        "weights": int(model.count_params()),
    }


def history_table(history, *, by_metric: bool = False):
    """Return a ``fit`` record as a typeset table: one row per epoch, numbered from 1.

    What ``verbose=2`` prints, one line per epoch, but in the book's house style (accuracies
    as percentages, losses to four significant digits) and as narrow as the column allows.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returns, or its ``history`` dict (``training.train``'s result):
        metric name -> one value per epoch.
    by_metric : bool
        One row per metric and one column per epoch instead: narrower for a model with
        several outputs, whose record has many metrics.

    Returns
    -------
    pandas.io.formats.style.Styler
        Epochs are numbered from 1; metrics ending in ``accuracy`` are percentages, a
        ``learning_rate`` (logged by ``ReduceLROnPlateau``) has three significant digits.
    """
    import pandas as pd

    frame = pd.DataFrame(getattr(history, "history", history))
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
    if by_metric:
        frame = frame.T.rename_axis(index="metric", columns="epoch")
    return _typeset_metrics(frame)


def metrics_table(scores, name: str = "value"):
    """Return ``evaluate(..., return_dict=True)``'s dict as a typeset table, a row per metric.

    Accuracies are shown as percentages, losses to four significant digits.
    """
    import pandas as pd

    frame = pd.DataFrame({name: pd.Series(scores, dtype=float)}).rename_axis("metric")
    return _typeset_metrics(frame)


def _typeset_metrics(frame: pd.DataFrame):
    """Typeset *frame* whose rows or columns are named by metric.

    Accuracies as percentages, learning rates to three significant digits (``0.0015``,
    ``7.5e-05``), everything else as :func:`mlbook.typeset.number` does.
    """
    import pandas as pd

    from mlbook import typeset

    styler = typeset.table(frame)
    for ends, style in (("accuracy", typeset.percent), ("learning_rate", "{:.3g}".format)):
        columns = [c for c in frame.columns if str(c).endswith(ends)]
        rows = [r for r in frame.index if str(r).endswith(ends)]
        if columns:
            styler = styler.format(style, subset=columns)
        if rows:
            styler = styler.format(style, subset=pd.IndexSlice[rows, :])
    return styler


def settings_vs_notes(rows: dict[str, tuple], profile: str) -> str:
    """Return a Markdown table of settings: the course notes', the full profile's, this run's.

    Parameters
    ----------
    rows : dict
        Setting name -> ``(notes, full, this_run)`` values; ``None`` shows as a dash
        (e.g. a setting the notes do not give).
    profile : str
        The profile of this run; its column is left out when it is ``"full"``.

    Returns
    -------
    str
        A Markdown table, one row per setting.
    """

    def show(value) -> str:
        if value is None:
            return "–"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value)

    header = ["setting", "course notes", "full profile (published page)"]
    if profile != "full":
        header.append(f"this run ({profile})")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, values in rows.items():
        cells = [name, *(show(v) for v in values[: len(header) - 1])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- model diagrams -------------------------------------------------------------------


@dataclass
class Diagram:
    """A drawn model diagram (``path``) or the reason it could not be drawn (``note``)."""

    path: Path | None
    note: str | None = None

    def display(self):
        """Return an IPython object to show or glue: the PNG, or a Markdown note in its place."""
        from IPython.display import Image, Markdown

        if self.path is not None:
            return Image(filename=str(self.path))
        return Markdown(f"**Diagram not drawn.** {self.note}")

    def caption(self, drawn: str, missing: str | None = None) -> str:
        """Return the caption for :meth:`display`: *drawn* if the diagram exists, else *missing*.

        A caption must never describe a figure that is not there: glue the result and
        paste it into the figure's caption (``{glue:md}``).
        """
        if self.path is not None:
            return drawn
        return missing or "The diagram could not be drawn when this page was executed."


def graphviz_problem() -> str | None:
    """``None`` if ``keras.utils.plot_model`` can draw, otherwise what is missing.

    ``plot_model`` needs the Python package ``pydot`` and the Graphviz program ``dot``.
    In a notebook Keras only *prints* a message and returns ``None`` when one is missing,
    so we check first and say what to install.
    """
    if os.environ.get(NO_GRAPHVIZ_ENV) == "1":
        return (
            f"Graphviz is treated as missing (${NO_GRAPHVIZ_ENV}=1). Install it with "
            "`apt-get install graphviz` (Debian/Ubuntu) or `conda install graphviz`."
        )
    try:
        import pydot
    except ImportError:
        return "The Python package `pydot` is missing: `pip install pydot`."
    if shutil.which("dot") is None:
        return (
            "The Graphviz program `dot` is not installed: `apt-get install graphviz` "
            "(Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`."
        )
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException) as err:  # pragma: no cover - broken install
        return f"Graphviz is installed but does not run: {err}"
    return None


def draw_model(
    model: keras.Model,
    path: str | Path | None = None,
    *,
    show_shapes: bool = True,
    rankdir: str = "TB",
    dpi: int = 72,
    **plot_kwargs,
) -> Diagram:
    """Draw *model* with ``keras.utils.plot_model`` into a PNG (by default a temp file).

    Extra keyword arguments go to ``plot_model`` (e.g. ``expand_nested=True``).

    Returns a ``Diagram`` whose ``note`` says what to install when Graphviz or
    pydot is missing; never raises for that reason.
    """
    import keras

    problem = graphviz_problem()
    if problem is not None:
        return Diagram(path=None, note=problem)
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="mlbook-diagram-")) / f"{model.name}.png"
    path = Path(path)
    keras.utils.plot_model(
        model,
        to_file=str(path),
        show_shapes=show_shapes,
        show_layer_names=True,
        show_layer_activations=True,
        rankdir=rankdir,
        dpi=dpi,
        **plot_kwargs,
    )
    return Diagram(path=path)
