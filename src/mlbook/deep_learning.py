"""Chapter *Deep Learning*: the seed's MNIST multi-layer perceptron, trained and inspected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: What the course notes ran and printed: all 60 000 training images, 10 epochs,
#: batches of 32, and the test accuracy their run reported.
NOTES = {"train_size": 60_000, "epochs": 10, "batch_size": 32, "test_accuracy": 0.9794}

#: Per-profile settings. ``full`` is the seed's: all 60 000 images, 10 epochs, batch 32.
#: ``spread_seeds``: the extra seeds trained with the same settings, to measure how much
#: the test accuracy owes to the seed.
SETTINGS = freeze(
    {
        "full": {
            "train_size": None,
            "epochs": 10,
            "batch_size": 32,
            "spread_seeds": (1, 2, 3),
        },
        "quick": {
            "train_size": 6000,
            "epochs": 2,
            "batch_size": 32,
            "spread_seeds": (1, 2),
        },
    }
)


def prepare(
    x: np.ndarray, y: np.ndarray, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Scale uint8 images to float32 in [0, 1]; optionally keep a stratified random subset.

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8
    y : ndarray, shape (n,)
    size : int, optional
        Number of examples to keep (all if ``None``).

    Returns
    -------
    x : ndarray, shape (size, 28, 28), float32
    y : ndarray, shape (size,), int64
    """
    if x.ndim != 3 or len(x) != len(y):
        raise ValueError(f"expected images (n, h, w) and n labels, got {x.shape} and {y.shape}")
    if size is not None and size < len(x):
        from sklearn.model_selection import train_test_split

        x, _, y, _ = train_test_split(x, y, train_size=size, stratify=y, random_state=seed)
    return (x / 255.0).astype("float32"), y.astype("int64")


#: Gradient steps run inside one TensorFlow call (Keras' ``steps_per_execution``): the
#: same updates, far less Python between the small steps of a small network.
STEPS_PER_EXECUTION = 50


def build_mlp(
    units: int = 128,
    n_classes: int = 10,
    input_shape: tuple[int, int] = (28, 28),
    optimizer: str | keras.optimizers.Optimizer = "adam",
) -> keras.Model:
    """Build the seed's network: flatten, **one** hidden ReLU layer, a softmax output.

    ``optimizer`` is the notes' ``"adam"`` (constant learning rate 0.001) unless given.
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ],
        name="mnist_mlp",
    )
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return model


def cosine_adam(total_steps: int, initial_rate: float = 1e-3) -> keras.optimizers.Adam:
    """Adam whose learning rate falls from the notes' 0.001 to 0 along half a cosine.

    The fall takes *total_steps* gradient steps (the whole training run).
    """
    import keras

    if total_steps < 1:
        raise ValueError(f"total_steps must be at least 1, got {total_steps}")
    schedule = keras.optimizers.schedules.CosineDecay(initial_rate, decay_steps=total_steps)
    return keras.optimizers.Adam(learning_rate=schedule)


def hidden_layers(model: keras.Model) -> list[str]:
    """Names of the hidden layers: the ``Dense`` layers before the output layer."""
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    return [layer.name for layer in dense[:-1]]


def seed_spread(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    seeds: tuple[int, ...],
    epochs: int,
    batch_size: int,
    units: int = 128,
    cosine: bool = False,
) -> dict[int, float]:
    """Train the same network once per seed and return ``{seed: test accuracy}``.

    The seed sets the initial weights and the order of the batches; nothing else
    changes. ``cosine=True`` trains with ``cosine_adam`` instead of the notes'
    constant rate. Re-seed afterwards if the caller goes on with its own seed.
    """
    from mlbook.repro import seed_everything

    total_steps = epochs * training.steps_per_epoch(len(x_train), batch_size)
    accuracies = {}
    for seed in seeds:
        seed_everything(seed)
        optimizer = cosine_adam(total_steps) if cosine else "adam"
        model = build_mlp(units=units, optimizer=optimizer)
        training.train(model, x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
        accuracies[seed] = float(model.evaluate(x_test, y_test, verbose=0)[1])
    return accuracies


def accuracy_table(runs: Mapping[str, Mapping[int, float]]):
    """Typeset test accuracies: one row per seed, one column per way of training.

    *runs* maps a column title to ``{seed: test accuracy}`` (what :func:`seed_spread`
    returns); accuracies are shown as percentages with two decimals, the resolution at
    which seeds differ. Returns a pandas ``Styler`` (see :func:`mlbook.typeset.table`).
    """
    import pandas as pd

    from mlbook import typeset

    frame = pd.DataFrame({title: dict(accs) for title, accs in runs.items()})
    frame = frame.rename_axis("seed")
    return typeset.table(frame, {title: lambda a: typeset.percent(a, 2) for title in runs})


def most_confident_mistakes(proba: np.ndarray, y: np.ndarray, n: int = 16) -> np.ndarray:
    """Return the indices of misclassified examples, the most confidently wrong first.

    Parameters
    ----------
    proba : ndarray, shape (n_samples, n_classes)
        Predicted class probabilities.
    y : ndarray, shape (n_samples,)
        True labels.
    """
    pred = proba.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    order = np.argsort(-proba[wrong, pred[wrong]], kind="stable")
    return wrong[order][:n]
