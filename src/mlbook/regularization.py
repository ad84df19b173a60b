"""Chapter *Regularization techniques*: six ways to make an overfitting MLP generalise.

The MLP is made to overfit a small training set; each technique is compared with the
same baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras
    import pandas as pd

#: Per-profile settings: a deliberately small training set, a validation set (watched by
#: early stopping), a test set (``None``: all of MNIST's) that ranks the techniques, and
#: enough epochs to overfit. ``patience``: epochs without improvement before early stopping.
#: ``techniques``: the ones trained (the quick preview leaves out the two slowest).
SETTINGS = freeze(
    {
        "full": {
            "train_size": 1000,
            "val_size": 2000,
            "test_size": None,
            "epochs": 30,
            "batch_size": 64,
            "units": 256,
            "patience": 5,
            "techniques": (
                "baseline",
                "L1",
                "L2",
                "dropout",
                "batch norm",
                "augmentation",
                "early stopping",
            ),
        },
        "quick": {
            "train_size": 300,
            "val_size": 500,
            "test_size": 1000,
            "epochs": 4,
            "batch_size": 64,
            "units": 256,
            "patience": 1,
            "techniques": ("baseline", "L1", "L2", "dropout", "early stopping"),
        },
    }
)

#: The techniques, in the order the chapter shows them.
TECHNIQUES = ("baseline", "L1", "L2", "dropout", "batch norm", "augmentation", "early stopping")
#: Regularisation strengths (per-weight penalty factors, dropout rate, augmentation ranges).
L1_FACTOR = 1e-4
L2_FACTOR = 1e-3
DROPOUT = 0.5
ROTATION = 0.05  # fraction of a full turn: ±18°
TRANSLATION = 0.1  # fraction of the image: ±2.8 pixels
#: A weight whose magnitude is below this counts as (nearly) zero.
NEAR_ZERO = 1e-3


def build_model(technique: str = "baseline", units: int = 256) -> keras.Model:
    """Build a two-hidden-layer MLP for 28 × 28 images, with one regularisation technique.

    ``"baseline"`` and ``"early stopping"`` build the same plain network (early stopping
    is a callback of ``fit``, not part of the model).
    """
    import keras
    from keras import layers, regularizers

    if technique not in TECHNIQUES:
        raise ValueError(f"unknown technique {technique!r}; choose from {TECHNIQUES}")
    reg = {"L1": regularizers.L1(L1_FACTOR), "L2": regularizers.L2(L2_FACTOR)}.get(technique)
    model_layers: list = [keras.Input(shape=(28, 28))]
    if technique == "augmentation":  # random shifts and turns, active only in training
        model_layers += [
            layers.Reshape((28, 28, 1)),
            layers.RandomRotation(ROTATION, fill_mode="constant"),
            layers.RandomTranslation(TRANSLATION, TRANSLATION, fill_mode="constant"),
        ]
    model_layers.append(layers.Flatten())
    for _ in range(2):
        if technique == "batch norm":  # normalise the pre-activations, then ReLU
            model_layers += [
                layers.Dense(units, use_bias=False),
                layers.BatchNormalization(),
                layers.Activation("relu"),
            ]
        else:
            model_layers.append(layers.Dense(units, activation="relu", kernel_regularizer=reg))
        if technique == "dropout":
            model_layers.append(layers.Dropout(DROPOUT))
    model_layers.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(model_layers, name=technique.replace(" ", "_"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_technique(
    technique: str,
    data: tuple[np.ndarray, ...],
    *,
    epochs: int,
    batch_size: int,
    units: int = 256,
    patience: int = 5,
    seed: int = 0,
) -> tuple[keras.Model, dict[str, list[float]]]:
    """Train one technique from the same seed; return the model and its history.

    Parameters
    ----------
    data : (x_train, y_train, x_val, y_val)
        Images ``(n, 28, 28)`` float32 in [0, 1], integer labels ``(n,)``.
    """
    import keras

    x_train, y_train, x_val, y_val = data
    keras.utils.set_random_seed(seed)
    model = build_model(technique, units)
    callbacks = []
    if technique == "early stopping":
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            )
        )
    history = training.train(
        model,
        x_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        monitor=(x_val, y_val),
        callbacks=callbacks,
        validation_batch_size=1024,
        verbose=0,
    )
    return model, history


def generalisation(
    model: keras.Model, data: tuple[np.ndarray, ...], test: tuple | None = None
) -> dict[str, float]:
    """Training, validation (and test) accuracy **in inference mode**, and the gap.

    ``fit`` reports training accuracy with dropout and augmentation switched on;
    ``evaluate`` switches them off, so all numbers measure the same network. The gap is
    training minus test accuracy when ``test = (x_test, y_test)`` is given (early stopping
    chose its epoch on the validation data), else training minus validation accuracy.
    """
    x_train, y_train, x_val, y_val = data
    scores = {
        "train accuracy": float(model.evaluate(x_train, y_train, batch_size=1024, verbose=0)[1]),
        "validation accuracy": float(model.evaluate(x_val, y_val, batch_size=1024, verbose=0)[1]),
    }
    if test is not None:
        scores["test accuracy"] = float(model.evaluate(*test, batch_size=1024, verbose=0)[1])
    held_out = scores.get("test accuracy", scores["validation accuracy"])
    return {**scores, "gap": scores["train accuracy"] - held_out}


def summary_table(scores: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Scores per technique, plus the change over the baseline.

    The change is in test accuracy if the scores have one, else in validation accuracy.
    """
    import pandas as pd

    table = pd.DataFrame(scores).T
    ranked_by = "test accuracy" if "test accuracy" in table else "validation accuracy"
    table["vs baseline"] = table[ranked_by] - table.loc["baseline", ranked_by]
    return table


def first_kernel(model: keras.Model) -> np.ndarray:
    """Return the weights of the first ``Dense`` layer, flattened: shape ``(784 * units,)``."""
    import keras

    dense = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    return np.asarray(dense.kernel).ravel()


def near_zero_share(weights: np.ndarray, tol: float = NEAR_ZERO) -> float:
    """Share of weights whose magnitude is below ``tol``."""
    return float(np.mean(np.abs(weights) < tol))
