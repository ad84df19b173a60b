"""Chapter *Image Classification*: a pretrained InceptionV3, and transfer learning done here.

The **real** path is the notes' code: InceptionV3 with ImageNet weights classifies a
photograph (resized to 299 x 299, ``preprocess_input``, ``decode_predictions``, top 3).
It needs the weights (92 MB) and the class index from Google's storage, so it runs only
where they are cached or downloadable. The **offline** path builds the same architecture
with ``weights=None`` (shapes and preprocessing, tested) and does transfer learning for
real on MNIST: a convolutional base trained on the digits 0-4 is frozen and a new head
learns the digits 5-9 from a few labelled examples, compared with training from scratch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.profile import freeze

if TYPE_CHECKING:
    import keras

#: ``shots``: labelled examples per new class; ``head_steps``: gradient steps given to
#: every few-shot model (the same budget whatever the number of labels).
SETTINGS = freeze(
    {
        "full": {
            "source_size": 15_000,
            "source_epochs": 3,
            "shots": (1, 3, 10, 30, 100),
            "head_steps": 300,
            "test_size": None,
            "repeats": 2,
        },
        "quick": {
            "source_size": 3000,
            "source_epochs": 1,
            "shots": (2,),
            "head_steps": 60,
            "test_size": 500,
            "repeats": 1,
        },
    }
)

SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
INCEPTION_FILES = (
    "models/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "models/imagenet_class_index.json",
)


# --- the notes' path: a pretrained InceptionV3 ---------------------------------------


def save_sample_photo(folder: str | Path, name: str = "china.jpg") -> Path:
    """Write one of scikit-learn's bundled photographs (RGB, 427 x 640) as a JPEG file.

    The notes classify ``'path/to/your/image.jpg'``; this gives that code a real file.
    """
    from PIL import Image
    from sklearn.datasets import load_sample_image

    path = Path(folder) / name
    Image.fromarray(load_sample_image(name)).save(path, quality=95)
    return path


def load_for_inception(img_path: str | Path, size: int = 299) -> np.ndarray:
    """Apply the notes' preprocessing: load, resize to 299 x 299, add a batch axis, scale.

    Returns
    -------
    ndarray, shape (1, size, size, 3), float32 in [-1, 1]
    """
    from tensorflow.keras.applications.inception_v3 import preprocess_input
    from tensorflow.keras.preprocessing import image

    img = image.load_img(img_path, target_size=(size, size))
    x = image.img_to_array(img)
    x = np.expand_dims(x, axis=0)
    return preprocess_input(x)


def inception_available(timeout: float = 3.0) -> bool:
    """Return True if InceptionV3's ImageNet weights and class index can be had.

    That is, if they are in Keras' cache, or if Google's storage answers within *timeout*
    seconds.
    """
    from mlbook.data import keras_home, network_available

    if all((keras_home() / f).exists() for f in INCEPTION_FILES):
        return True
    return network_available("storage.googleapis.com", timeout=timeout)


def classify_photo(img_path: str | Path, top: int = 3):
    """Run the notes' example: InceptionV3 with ImageNet weights, top-*top* predictions.

    Returns
    -------
    list of (wordnet id, class name, probability)
    """
    from tensorflow.keras.applications import InceptionV3
    from tensorflow.keras.applications.inception_v3 import decode_predictions

    model = InceptionV3(weights="imagenet")
    preds = model.predict(load_for_inception(img_path), verbose=0)
    return decode_predictions(preds, top=top)[0]


def build_inception(weights: str | None = None, **kwargs) -> keras.Model:
    """``keras.applications.InceptionV3``; ``weights=None`` builds it with random weights."""
    from tensorflow.keras.applications import InceptionV3

    return InceptionV3(weights=weights, **kwargs)


def inception_transfer_model(
    n_classes: int,
    weights: str | None = "imagenet",
    input_shape: tuple[int, int, int] = (299, 299, 3),
) -> keras.Model:
    """Transfer learning with InceptionV3: its frozen convolutional base + a new head.

    ``include_top=False`` drops the 1000-class ImageNet layer; ``pooling="avg"`` turns
    the last feature maps into one 2048-number vector per image.
    """
    import keras

    base = build_inception(weights, include_top=False, pooling="avg", input_shape=input_shape)
    base.trainable = False
    inputs = keras.Input(shape=input_shape)
    features = base(inputs, training=False)  # keep batch-norm statistics frozen too
    outputs = keras.layers.Dense(n_classes, activation="softmax")(features)
    model = keras.Model(inputs, outputs, name="inception_transfer")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# --- the offline path: transfer learning on MNIST -------------------------------------


def select_digits(
    x: np.ndarray, y: np.ndarray, digits, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Images of the given *digits*, scaled to [0, 1], labels renumbered 0..len(digits)-1.

    Returns
    -------
    x : ndarray, shape (n, 28, 28, 1), float32
    y : ndarray, shape (n,), int64
    """
    digits = list(digits)
    keep = np.flatnonzero(np.isin(y, digits))
    if size is not None and size < len(keep):
        keep = np.sort(np.random.default_rng(seed).choice(keep, size, replace=False))
    lookup = np.full(10, -1)
    lookup[digits] = np.arange(len(digits))
    return (x[keep] / 255.0).astype("float32")[..., None], lookup[y[keep]].astype("int64")


def few_shot(x: np.ndarray, y: np.ndarray, per_class: int, seed: int = 0):
    """*per_class* random examples of every class: the few labels of the new task."""
    rng = np.random.default_rng(seed)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    )
    return x[idx], y[idx]


def build_base() -> keras.Model:
    """Build the convolutional base: 28 x 28 digit -> 1600 features (64 maps of 5 x 5)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
        ],
        name="conv_base",
    )


def with_head(
    base,
    n_classes: int,
    *,
    trainable_base: bool = True,
    hidden: int | None = None,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Put a new head on *base* and compile.

    The head is a softmax layer, after a ReLU layer of *hidden* units if given.
    ``trainable_base=False`` freezes the base, so training changes only the head.
    """
    import keras

    base.trainable = trainable_base
    inputs = keras.Input(shape=(28, 28, 1))
    h = base(inputs)
    if hidden:
        h = keras.layers.Dense(hidden, activation="relu", name="hidden")(h)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="head")(h)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def pretrain_base(
    x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 64, verbose: int = 2
) -> keras.Model:
    """Train base + a head (128 ReLU units, softmax) on the source task; return the base.

    Only the trained **base** is returned: the head's units combine features for the
    source classes.
    """
    base = build_base()
    model = with_head(base, int(y.max()) + 1, hidden=128)
    training.train(model, x, y, epochs=epochs, batch_size=batch_size, verbose=verbose)
    return base


def copy_base(base) -> keras.Model:
    """Copy a trained base (same weights), so each experiment starts from the same state."""
    import keras

    clone = keras.models.clone_model(base)
    clone.set_weights(base.get_weights())
    return clone


def fit_steps(
    model, x: np.ndarray, y: np.ndarray, steps: int, batch_size: int = 32, seed: int = 0
) -> None:
    """Train for exactly *steps* gradient steps, however few examples there are.

    The shuffled batches repeat (in a new order each pass) and ``fit`` runs one "epoch"
    of *steps* batches, so a tiny training set costs no per-epoch overhead (which is why
    it does not use :func:`mlbook.training.train`, whose epochs are passes over the data).
    """
    batches = training.shuffled_batches(x, y, batch_size, seed=seed).repeat()
    model.fit(batches, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)


def accuracy(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> float:
    """Return the share of *x* classified as *y*, computed eagerly in chunks.

    There is no graph to trace, which matters when many small models are each scored once.
    """
    hits = 0
    for i in range(0, len(x), batch_size):
        proba = model(x[i : i + batch_size], training=False)
        hits += int((np.asarray(proba).argmax(axis=1) == y[i : i + batch_size]).sum())
    return hits / len(x)


def compare_transfer(
    base, x_target, y_target, x_test, y_test, *, shots, steps: int, repeats: int = 1
) -> list[dict[str, float]]:
    """Compare few-shot accuracy on the new classes: transfer vs training from scratch.

    Transfer is the frozen pretrained base + a new head; scratch is the same network
    trained from scratch on the same few labels.

    Returns
    -------
    list of dict with ``shots`` (labels per class), ``transfer`` and ``scratch`` (test
    accuracy, mean over *repeats* random draws of the labelled examples).
    """
    n_classes = int(y_target.max()) + 1
    rows = []
    for k in shots:
        acc = {"transfer": [], "scratch": []}
        for r in range(repeats):
            xs, ys = few_shot(x_target, y_target, k, seed=r)
            for name in acc:
                if name == "transfer":
                    model = with_head(copy_base(base), n_classes, trainable_base=False)
                else:
                    model = with_head(build_base(), n_classes)
                fit_steps(model, xs, ys, steps, seed=r)
                acc[name].append(accuracy(model, x_test, y_test))
        rows.append({"shots": k, **{name: float(np.mean(v)) for name, v in acc.items()}})
    return rows


def plot_transfer(rows: list[dict[str, float]], *, ax=None, chance: float | None = None):
    """Test accuracy against labels per class, transfer vs from scratch; returns ax."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4))
    shots = [r["shots"] for r in rows]
    ax.plot(
        shots, [r["transfer"] for r in rows], marker="o", label="frozen pretrained base + new head"
    )
    ax.plot(shots, [r["scratch"] for r in rows], marker="s", label="same network from scratch")
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", label="chance")
    ax.set_xscale("log")
    ax.set(
        title="Learning the digits 5-9 from few labels",
        xlabel="labelled examples per class",
        ylabel="test accuracy",
        ylim=(0, 1),
    )
    ax.set_xticks(shots, [str(s) for s in shots])
    ax.legend()
    return ax
