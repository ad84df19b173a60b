"""Chapter *Sequential models*: a stack of layers, built, trained, saved and reloaded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings: MNIST subsets (``None``: all) and the training of the small CNN.
SETTINGS = freeze(
    {
        "full": {"train_size": 20_000, "test_size": None, "epochs": 4, "batch_size": 64},
        "quick": {"train_size": 2000, "test_size": 1000, "epochs": 2, "batch_size": 64},
    }
)


def cnn_layers(n_classes: int = 10) -> list:
    """Return the layers of a small convolutional digit classifier (no input)."""
    from keras import layers

    return [
        layers.Reshape((28, 28, 1)),  # add a channel axis for Conv2D
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(n_classes, activation="softmax"),
    ]


def build_with_list(n_classes: int = 10) -> keras.Model:
    """Build a Sequential model from a list: the input, then the layers in order."""
    import keras

    layers = [keras.Input(shape=(28, 28)), *cnn_layers(n_classes)]
    return keras.Sequential(layers, name="cnn_list")


def build_with_add(n_classes: int = 10) -> keras.Model:
    """Grow the same model layer by layer with ``add`` (handy in loops)."""
    import keras

    model = keras.Sequential(name="cnn_add")
    model.add(keras.Input(shape=(28, 28)))
    for layer in cnn_layers(n_classes):
        model.add(layer)
    return model


def build_without_input(n_classes: int = 10) -> keras.Model:
    """Build the same layers with **no** ``Input``: no weights until the model sees data."""
    import keras

    return keras.Sequential(cnn_layers(n_classes), name="cnn_deferred")


def architecture(model: keras.Model) -> list[tuple[str, tuple | None, int]]:
    """Return ``(layer type, output shape, weights)`` per layer.

    That is what two models must share to be the same architecture (names aside).
    """
    return [
        (type(layer).__name__, tuple(layer.output.shape), layer.count_params())
        for layer in model.layers
    ]


def conv2d_params(kernel: int, c_in: int, c_out: int) -> int:
    """Weights of a ``Conv2D(c_out, kernel)`` layer fed ``c_in`` channels.

    Each of the ``c_out`` filters has a ``kernel × kernel × c_in`` kernel and one bias.
    """
    return (kernel * kernel * c_in + 1) * c_out


def shapes_by_hand(
    size: int = 28,
    filters: tuple[int, ...] = (8, 16),
    kernel: int = 3,
    n_classes: int = 10,
) -> list[tuple[str, tuple, int]]:
    """Work out the ``cnn_layers`` stack's shapes and weights by hand, layer by layer.

    Returns the rows ``architecture`` reads from a built model: ``(layer type, output
    shape, weights)``, with ``None`` for the batch dimension.
    """
    channels = 1
    rows = [("Reshape", (None, size, size, channels), 0)]
    for c_out in filters:
        size = size - kernel + 1  # a 'valid' convolution: n - k + 1
        weights = conv2d_params(kernel, channels, c_out)
        rows.append(("Conv2D", (None, size, size, c_out), weights))
        channels = c_out
        size = size // 2  # 2 × 2 max pooling, stride 2: floor(n / 2)
        rows.append(("MaxPooling2D", (None, size, size, channels), 0))
    flat = size * size * channels
    rows.append(("Flatten", (None, flat), 0))
    rows.append(("Dense", (None, n_classes), (flat + 1) * n_classes))
    return rows


def draw_stack(model: keras.Model, ax=None):
    """Draw a Sequential *model* as a stack: one box per layer, one arrow per tensor.

    Each box names the layer (with its filters, kernel or units) and, beside it, its weight
    count; each arrow is labelled with the shape of the tensor it carries (batch dimension
    left out), from the input at the top to the output at the bottom.

    Returns
    -------
    matplotlib.axes.Axes
        ``len(model.layers)`` boxes and ``len(model.layers) + 1`` arrows.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    n = len(model.layers)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.7 * n + 1.2))
    shapes = [tuple(model.inputs[0].shape)] + [tuple(la.output.shape) for la in model.layers]
    height, width = 0.5, 3.4
    for i, shape in enumerate(shapes):  # the arrow into layer i (i == n: the output)
        start, end = (0.3 if i == 0 else -i - 0.25), -i - 0.75
        ax.add_patch(
            FancyArrowPatch(
                (0, start), (0, end), arrowstyle="-|>", mutation_scale=12, color="#444444", lw=1.2
            )
        )
        name = "input " if i == 0 else "output " if i == n else ""
        text = name + " × ".join(str(d) for d in shape[1:])
        ax.text(0.12, (start + end) / 2, text, ha="left", va="center", fontsize=9)
    for i, layer in enumerate(model.layers):
        y, weights = -(i + 1), layer.count_params()
        ax.add_patch(
            FancyBboxPatch(
                (-width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.02",
                ec="#222222",
                lw=1,
                fc="#dbe9f6" if weights else "#f2f2f2",
            )
        )
        ax.text(0, y, _describe(layer), ha="center", va="center", fontsize=10)
        ax.text(
            width / 2 + 0.15,
            y,
            f"{weights:,} weights" if weights else "no weights",
            ha="left",
            va="center",
            fontsize=9,
        )
    ax.set(xlim=(-width / 2 - 0.1, width / 2 + 1.9), ylim=(-n - 0.85, 0.4))
    ax.axis("off")
    ax.set_title(f"{model.name}: {model.count_params():,} weights", fontsize=11)
    return ax


def _describe(layer) -> str:
    """Name a layer with the settings that decide its shape and weights."""
    kind = type(layer).__name__
    if kind == "Conv2D":
        k = " × ".join(map(str, layer.kernel_size))
        return f"Conv2D: {layer.filters} filters {k}"
    if kind == "MaxPooling2D":
        return f"MaxPooling2D {' × '.join(map(str, layer.pool_size))}"
    if kind == "Dense":
        return f"Dense: {layer.units} units"
    return kind


def compile_classifier(model: keras.Model) -> keras.Model:
    """Adam, sparse categorical cross-entropy (integer labels), accuracy."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def save_and_reload(
    model: keras.Model,
    directory: str | Path,
) -> tuple[Path, keras.Model]:
    """Save *model* in the native ``.keras`` format and load it back.

    The ``.keras`` file (a zip) holds the architecture, the weights and the compile
    settings (optimiser state included), so the reloaded model can predict or keep
    training.

    Returns
    -------
    path : Path
        The saved file, ``<directory>/<model.name>.keras``.
    reloaded : keras.Model
    """
    import keras

    path = Path(directory) / f"{model.name}.keras"
    model.save(path)
    return path, keras.models.load_model(path)


def prediction_gap(a: keras.Model, b: keras.Model, x: np.ndarray) -> float:
    """Largest absolute difference between the outputs of two models on ``x``."""
    pa = a.predict(x, batch_size=1024, verbose=0)
    return float(np.abs(pa - b.predict(x, batch_size=1024, verbose=0)).max())
