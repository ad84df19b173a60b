"""Chapter *Functional models*: two inputs, two outputs, a shared encoder.

The encoder has a residual connection; the model reads pairs of MNIST digits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings: number of training / test pairs, training, encoder width.
SETTINGS = freeze(
    {
        "full": {
            "train_pairs": 30_000,
            "test_pairs": 10_000,
            "epochs": 6,
            "batch_size": 64,
            "units": 64,
        },
        "quick": {
            "train_pairs": 3000,
            "test_pairs": 2000,
            "epochs": 2,
            "batch_size": 64,
            "units": 64,
        },
    }
)


def make_pairs(
    x: np.ndarray, y: np.ndarray, n_pairs: int, *, same_fraction: float = 0.5, seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Random pairs of digit images, a fraction of them showing the same digit.

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28)
    y : ndarray, shape (n,), int
    n_pairs : int

    Returns
    -------
    inputs : dict
        ``image_a`` and ``image_b``, each ``(n_pairs, 28, 28)`` of ``x``'s dtype.
    targets : dict
        ``digit``: the label of image A, ``(n_pairs,)`` int; ``same``: 1.0 if both images
        show the same digit, else 0.0, ``(n_pairs,)`` float32.
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    by_class = {c: np.flatnonzero(y == c) for c in np.unique(y)}
    a = rng.integers(0, len(y), n_pairs)
    same = rng.random(n_pairs) < same_fraction
    b = np.empty(n_pairs, dtype=int)
    for k, (i, s) in enumerate(zip(a, same)):
        pool = by_class[y[i]] if s else np.flatnonzero(y != y[i])
        b[k] = rng.choice(pool)
    inputs = {"image_a": x[a], "image_b": x[b]}
    targets = {"digit": y[a].astype("int64"), "same": (y[a] == y[b]).astype("float32")}
    return inputs, targets


def build_encoder(units: int = 64) -> keras.Model:
    """Image → vector of ``units`` features, with one **residual** block.

    The block's output is added to its input (``h + f(h)``): the layer only has to learn
    a correction, and gradients have a direct path back to the first layer.
    """
    import keras
    from keras import layers

    image = keras.Input(shape=(28, 28), name="image")
    h = layers.Flatten()(image)
    h = layers.Dense(units, activation="relu", name="project")(h)
    f = layers.Dense(units, activation="relu", name="residual_dense")(h)
    h = layers.Add(name="skip_add")([h, f])  # the residual connection
    return keras.Model(image, h, name="encoder")


def build_pair_model(units: int = 64) -> keras.Model:
    """Two images in, two predictions out; **one** encoder shared by both images.

    Outputs: ``digit`` (10 probabilities: which digit is image A) and ``same``
    (probability that both images show the same digit).
    """
    import keras
    from keras import layers

    image_a = keras.Input(shape=(28, 28), name="image_a")
    image_b = keras.Input(shape=(28, 28), name="image_b")
    encoder = build_encoder(units)
    code_a, code_b = encoder(image_a), encoder(image_b)  # shared: the same weights twice
    digit = layers.Dense(10, activation="softmax", name="digit")(code_a)
    both = layers.Concatenate(name="both")([code_a, code_b])
    hidden = layers.Dense(units // 2, activation="relu", name="compare")(both)
    same = layers.Dense(1, activation="sigmoid", name="same")(hidden)
    return keras.Model(
        inputs={"image_a": image_a, "image_b": image_b},
        outputs={"digit": digit, "same": same},
        name="digit_pairs",
    )


def compile_pair_model(model: keras.Model, same_weight: float = 1.0) -> keras.Model:
    """One loss and one metric per output, keyed by the output's name."""
    model.compile(
        optimizer="adam",
        loss={"digit": "sparse_categorical_crossentropy", "same": "binary_crossentropy"},
        loss_weights={"digit": 1.0, "same": same_weight},
        metrics={"digit": ["accuracy"], "same": ["accuracy"]},
    )
    return model


def weights_by_part(model: keras.Model) -> dict[str, int]:
    """Count the weights of each top-level layer that has any (the encoder counts once)."""
    return {layer.name: layer.count_params() for layer in model.layers if layer.count_params()}
