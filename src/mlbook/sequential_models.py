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
    """Return the layers of a small convolutional digit classifier, in order (no input)."""
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
    """Build a Sequential model from a list: the input first, then the layers in order."""
    import keras

    return keras.Sequential([keras.Input(shape=(28, 28)), *cnn_layers(n_classes)], name="cnn_list")


def build_with_add(n_classes: int = 10) -> keras.Model:
    """Grow the same model layer by layer with ``add`` (handy in loops or conditions)."""
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


def compile_classifier(model: keras.Model) -> keras.Model:
    """Adam, sparse categorical cross-entropy (integer labels), accuracy."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def save_and_reload(model: keras.Model, directory: str | Path) -> tuple[Path, keras.Model]:
    """Save *model* in the native ``.keras`` format and load it back.

    The ``.keras`` file (a zip) holds the architecture, the weights and the compile
    settings (optimiser state included), so the reloaded model can predict or keep training.

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
