"""Chapter *Convolutional Neural Networks*: the seed's CIFAR-10 network, fixed and inspected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings. The seed trains 10 epochs on all 50 000 images; on the book's
#: 2 shared CPU cores that takes about ten minutes, so ``full`` trains on a stratified
#: subset for fewer epochs to stay within the page budget (the page says so).
SETTINGS = freeze(
    {
        "full": {
            "train_size": 6_000,
            "test_size": 3_000,
            "epochs": 4,
            "batch_size": 32,
            "exercise_size": 500,
        },
        "quick": {
            "train_size": 800,
            "test_size": 400,
            "epochs": 2,
            "batch_size": 32,
            "exercise_size": 100,
        },
    }
)

#: What the notes run: ``fit`` on all 50 000 training images for 10 epochs (Keras' default
#: batch of 32), then ``evaluate`` on all 10 000 test images, on the real CIFAR-10.
NOTES = {"train_size": 50_000, "test_size": 10_000, "epochs": 10, "batch_size": 32}

#: The notes' model and compile call, verbatim (the loss is wrong for integer labels).
SEED_CNN_CODE = """\
model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(32, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)),
    tf.keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
    tf.keras.layers.Conv2D(64, (3, 3), padding='same', activation='relu'),
    tf.keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=10)
"""


def prepare(
    x: np.ndarray, y: np.ndarray, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Scale uint8 images to float32 in [0, 1], flatten labels; optionally subsample.

    Parameters
    ----------
    x : ndarray, shape (n, 32, 32, 3), uint8
    y : ndarray, shape (n, 1) or (n,)
        Integer class labels, as ``keras.datasets.cifar10.load_data()`` returns them.
    size : int, optional
        Keep a stratified random subset of this many examples (all if ``None``).

    Returns
    -------
    x : ndarray, shape (size, 32, 32, 3), float32
    y : ndarray, shape (size,), int64
    """
    y = np.asarray(y).reshape(-1)
    if x.ndim != 4 or len(x) != len(y):
        raise ValueError(f"expected images (n, h, w, c) and n labels, got {x.shape} and {y.shape}")
    if size is not None and size < len(x):
        from sklearn.model_selection import train_test_split

        x, _, y, _ = train_test_split(x, y, train_size=size, stratify=y, random_state=seed)
    return (x / 255.0).astype("float32"), y.astype("int64")


def run_seed_code(x: np.ndarray, y: np.ndarray, code: str = SEED_CNN_CODE) -> str:
    """Run the notes' CNN code (one epoch) on *x*, *y*; return the error, or ``"no error"``.

    Parameters
    ----------
    x : ndarray, shape (n, 32, 32, 3)
    y : ndarray, shape (n, 1)
        Integer labels, as the notes pass them.
    """
    import warnings

    import tensorflow as tf

    code = code.replace("epochs=10)", "epochs=1, verbose=0)")
    with warnings.catch_warnings():  # the notes' input_shape= form warns in Keras 3
        warnings.simplefilter("ignore")
        return run_notes_code(code, {"tf": tf, "x_train": x, "y_train": y}, first_line=True)


def build_cnn(
    n_classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    loss: str = "sparse_categorical_crossentropy",
) -> keras.Model:
    """Build the notes' CNN (conv 32 → pool → conv 64 → pool → dense 128 → softmax), compiled.

    ``sparse_categorical_crossentropy`` takes integer labels ``(n,)``; pass
    ``loss="categorical_crossentropy"`` only with one-hot labels ``(n, n_classes)``.
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), strides=(2, 2), name="pool1"),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), strides=(2, 2), name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name="seed_cnn",
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def layer_counts(model: keras.Model) -> dict[str, int]:
    """Count a model's layers: all of them, and those with trainable weights."""
    return {
        "layers": len(model.layers),
        "with_weights": sum(1 for layer in model.layers if layer.trainable_weights),
    }


def feature_maps(model: keras.Model, image: np.ndarray, layer: str = "conv1") -> np.ndarray:
    """Activations of one layer for one image.

    Parameters
    ----------
    image : ndarray, shape (32, 32, 3), float32

    Returns
    -------
    ndarray, shape (h, w, channels)
        e.g. ``(32, 32, 32)`` for ``conv1``.
    """
    import keras

    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return np.asarray(probe(image[None], training=False))[0]


def filters_as_images(kernel: np.ndarray) -> np.ndarray:
    """First-layer kernels ``(kh, kw, 3, n)`` as ``n`` RGB images in [0, 1], ``(n, kh, kw, 3)``.

    Each filter is scaled on its own to the full range, so its *pattern* shows.
    """
    k = np.moveaxis(np.asarray(kernel, dtype=np.float64), -1, 0)
    lo = k.min(axis=(1, 2, 3), keepdims=True)
    hi = k.max(axis=(1, 2, 3), keepdims=True)
    return (k - lo) / np.where(hi > lo, hi - lo, 1.0)


def ramp_filters(kernel: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Which first-layer filters are mostly a straight light-to-dark ramp (contrast detectors).

    Each filter's weights are summed over the colour channels (its response to a grey
    image) and fitted by a plane ``a + b·row + c·col`` by least squares; a filter is a
    *ramp* when that plane explains more than *threshold* of the weights' variance.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, channels, n)

    Returns
    -------
    ndarray, shape (n,), bool
    """
    k = np.asarray(kernel, dtype=np.float64).sum(axis=2)  # (kh, kw, n)
    kh, kw, n = k.shape
    rows, cols = np.mgrid[0:kh, 0:kw]
    design = np.c_[np.ones(kh * kw), rows.ravel(), cols.ravel()]
    values = k.reshape(kh * kw, n)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    residual = ((values - design @ coef) ** 2).sum(axis=0)
    total = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    explained = 1.0 - residual / np.where(total > 0, total, 1.0)
    return (total > 0) & (explained > threshold)


def mosaic(images: np.ndarray, ncols: int = 8, pad: int = 1) -> np.ndarray:
    """Tile images ``(n, h, w, 3)`` into one image with white gaps, ``(rows*(h+pad)-pad, ...)``."""
    n, h, w, c = images.shape
    nrows = -(-n // ncols)
    out = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c))
    for i, img in enumerate(images):
        r, q = divmod(i, ncols)
        out[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = img
    return out


def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Accuracy (recall) for each class, shape ``(n_classes,)``."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    counts = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    return hits / np.maximum(counts, 1)


def most_confused(
    y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str], k: int = 3
) -> list[tuple[str, str, int]]:
    """Return the *k* most frequent confusions, as ``(true name, predicted name, count)``."""
    n = len(names)
    cm = np.zeros((n, n), int)
    np.add.at(cm, (np.ravel(y_true), np.ravel(y_pred)), 1)
    np.fill_diagonal(cm, 0)
    flat = np.argsort(-cm, axis=None, kind="stable")[:k]
    return [(names[i], names[j], int(cm[i, j])) for i, j in zip(*np.unravel_index(flat, cm.shape))]


def class_names(source: str) -> tuple[str, ...]:
    """Return the class names of a dataset loaded by :func:`mlbook.data.load_cifar10`."""
    from mlbook import data

    return data.CIFAR10_STAND_IN_CLASSES if is_stand_in(source) else data.CIFAR10_CLASSES


def is_stand_in(source: str) -> bool:
    """Return True when :func:`mlbook.data.load_cifar10` fell back to its stand-in."""
    return source.startswith("stand-in")
