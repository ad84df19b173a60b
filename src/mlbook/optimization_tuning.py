"""Chapter *Model optimization and tuning*: optimisers, schedules, callbacks, tuning.

An optimiser race, learning-rate schedules, callbacks, and a hyper-parameter search with
KerasTuner.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras and keras_tuner are imported inside the functions
    import keras
    import keras_tuner
    import pandas as pd

#: Per-profile settings. ``race_*``: the optimiser race (``race_optimizers``: names from
#: :func:`optimizers`, ``None`` for all; quick races three); ``sweep_*``: the optimisers
#: raced again at each of the learning rates ``sweep_rates``; ``cb_*``: the callbacks demo;
#: ``tune_*``: the KerasTuner search (trials, epochs per trial, training images);
#: ``final_epochs``: retraining the best configuration.
SETTINGS = freeze(
    {
        "full": {
            "train_size": 10_000,
            "test_size": None,
            "batch_size": 64,
            "race_epochs": 6,
            "race_optimizers": None,
            "sweep_optimizers": ("SGD", "Adam"),
            "sweep_rates": (1e-4, 1e-3, 1e-2, 1e-1),
            "cb_epochs": 10,
            "tune_trials": 8,
            "tune_epochs": 3,
            "tune_train_size": 5000,
            "final_epochs": 8,
        },
        "quick": {
            "train_size": 1000,
            "test_size": 1000,
            "batch_size": 64,
            "race_epochs": 2,
            "race_optimizers": ("SGD", "SGD + momentum", "Adam"),
            "sweep_optimizers": ("SGD", "Adam"),
            "sweep_rates": (1e-4, 1e-3, 1e-2, 1e-1),
            "cb_epochs": 3,
            "tune_trials": 2,
            "tune_epochs": 1,
            "tune_train_size": 600,
            "final_epochs": 2,
        },
    }
)


#: Share of the training images the race holds out (the last ones) to score each optimiser.
RACE_VALIDATION = 0.1


def optimizers() -> dict[str, Callable[[], keras.optimizers.Optimizer]]:
    """Return the race's contestants, each with Keras' default learning rate.

    No ``learning_rate`` is passed, so each optimiser uses its class's own default (SGD
    0.01; RMSprop, Adam, AdamW and Adagrad 0.001). Returns factories, because an
    optimiser holds state (momenta) for the model it trains and must not be reused.
    """
    from keras import optimizers as o

    return {
        "SGD": lambda: o.SGD(),
        "SGD + momentum": lambda: o.SGD(momentum=0.9),
        "RMSprop": lambda: o.RMSprop(),
        "Adam": lambda: o.Adam(),
        "AdamW": lambda: o.AdamW(),  # weight decay 0.004, Keras' default
        "Adagrad": lambda: o.Adagrad(),
    }


def at_learning_rate(
    make: Callable[[], keras.optimizers.Optimizer], learning_rate: float
) -> Callable[[], keras.optimizers.Optimizer]:
    """Return a factory like *make* whose optimisers use *learning_rate* (all else equal)."""

    def make_at() -> keras.optimizers.Optimizer:
        optimizer = make()
        return type(optimizer).from_config(
            {**optimizer.get_config(), "learning_rate": learning_rate}
        )

    return make_at


def build_uncompiled_mlp(units: int = 128, dropout: float = 0.0) -> keras.Model:
    """Build the model every optimiser trains: flatten, ReLU layer, dropout, softmax.

    Dropout is none by default. Left **uncompiled**: each caller compiles it with the
    optimiser (or the tuner's learning rate) under study, unlike
    :func:`mlbook.deep_learning.build_mlp`, which compiles the notes' Adam.
    """
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(10, activation="softmax"),
        ],
        name="mlp",
    )


def race(
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    contestants: dict | None = None,
) -> dict[str, dict[str, list[float]]]:
    """Train the same model from the **same initial weights**, once per optimiser.

    The seed is reset before each run, so the batches come in the same order: the
    optimiser is the only difference. The last ``RACE_VALIDATION`` of ``(x, y)`` is held
    out for validation.

    Returns
    -------
    dict
        optimiser name -> ``history.history`` (``loss``, ``accuracy``, ``val_*``).
    """
    import keras

    keras.utils.set_random_seed(seed)
    initial = build_uncompiled_mlp().get_weights()
    fit_part, validation = training.split_last((x, y), RACE_VALIDATION)
    histories = {}
    for name, make in (contestants or optimizers()).items():
        keras.utils.set_random_seed(seed)
        model = build_uncompiled_mlp()
        model.set_weights(initial)
        model.compile(
            optimizer=make(), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        histories[name] = training.train(
            model,
            *fit_part,
            epochs=epochs,
            batch_size=batch_size,
            monitor=validation,
            seed=seed,
            verbose=0,
        )
    return histories


def race_table(histories: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """Last-epoch training loss and validation accuracy per optimiser, best first."""
    import pandas as pd

    rows = {
        name: {
            "training loss": h["loss"][-1],
            "validation loss": h["val_loss"][-1],
            "validation accuracy": h["val_accuracy"][-1],
        }
        for name, h in histories.items()
    }
    return pd.DataFrame(rows).T.sort_values("validation accuracy", ascending=False)


def learning_rate_sweep(
    x: np.ndarray,
    y: np.ndarray,
    *,
    names: tuple[str, ...],
    rates: tuple[float, ...],
    epochs: int,
    batch_size: int,
    seed: int = 0,
) -> pd.DataFrame:
    """Race the optimisers *names* (from :func:`optimizers`) once per learning rate.

    Every run starts from the race's initial weights and batch order (:func:`race`).

    Returns
    -------
    DataFrame
        Last-epoch validation accuracy: one row per learning rate, one column per optimiser.
    """
    import pandas as pd

    made = optimizers()
    contestants = {(name, lr): at_learning_rate(made[name], lr) for name in names for lr in rates}
    histories = race(x, y, epochs=epochs, batch_size=batch_size, seed=seed, contestants=contestants)
    table = {name: {lr: histories[name, lr]["val_accuracy"][-1] for lr in rates} for name in names}
    return pd.DataFrame(table).rename_axis("learning rate")


def schedules(initial: float = 1e-3, steps: int = 1000) -> dict:
    """Three learning-rate schedules over ``steps`` optimiser steps."""
    from keras.optimizers import schedules as s

    return {
        "exponential decay": s.ExponentialDecay(initial, decay_steps=steps // 4, decay_rate=0.5),
        "piecewise constant": s.PiecewiseConstantDecay(
            boundaries=[steps // 2, 3 * steps // 4], values=[initial, initial / 10, initial / 100]
        ),
        "cosine with warm-up": s.CosineDecay(
            initial / 10,
            decay_steps=steps - steps // 10,
            warmup_target=initial,
            warmup_steps=steps // 10,
        ),
    }


def schedule_values(schedule, steps: int, n_points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Return the learning rate a schedule gives at up to ``n_points`` steps in ``0 .. steps-1``.

    Returns
    -------
    at : ndarray, shape (k,), int
        The steps, evenly spaced, ``k <= n_points``.
    lr : ndarray, shape (k,)
        The learning rate at each of them.
    """
    at = np.unique(np.linspace(0, steps - 1, n_points).round().astype(int))
    return at, np.array([float(schedule(int(step))) for step in at])


def train_with_callbacks(
    x: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    directory: str | Path,
    learning_rate: float = 3e-3,
) -> tuple[dict, Path, keras.Model]:
    """Train with Adam and two callbacks.

    One halves the learning rate after every epoch in which the validation loss did not
    improve (Keras' defaults would divide it by ten after ten such epochs), the other
    keeps the model of the best epoch on disk.

    Returns
    -------
    history : dict
        ``history.history``; ``learning_rate`` is the rate each epoch trained with.
    best_path : Path
        The ``.keras`` file ``ModelCheckpoint`` wrote (best validation accuracy).
    model : keras.Model
        The model as it is after the **last** epoch.
    """
    import keras

    best_path = Path(directory) / "best.keras"
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=1e-5),
        keras.callbacks.ModelCheckpoint(best_path, monitor="val_accuracy", save_best_only=True),
    ]
    model = build_uncompiled_mlp()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = training.train(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        monitor=validation,
        callbacks=callbacks,
        verbose=0,
    )
    return history, best_path, model


def build_tunable(hp: keras_tuner.HyperParameters) -> keras.Model:
    """Build a model from the search space: hidden units, dropout rate, Adam's learning rate."""
    import keras

    model = build_uncompiled_mlp(
        units=hp.Int("units", 32, 256, step=32), dropout=hp.Float("dropout", 0.0, 0.5, step=0.1)
    )
    lr = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def search(
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_trials: int,
    epochs: int,
    batch_size: int = 32,
    directory: str | Path | None = None,
    seed: int = 0,
) -> keras_tuner.Tuner:
    """Random search over ``build_tunable``.

    Each trial is scored by validation accuracy on the last fifth of ``(x, y)``.

    The tuner's trial folder goes to ``directory`` (a new temporary folder by default),
    never into the working directory; ``verbose=0`` keeps the log quiet.
    """
    import keras_tuner as kt

    directory = directory or tempfile.mkdtemp(prefix="mlbook-tuner-")
    tuner = kt.RandomSearch(
        build_tunable,
        objective="val_accuracy",
        max_trials=max_trials,
        seed=seed,
        directory=str(directory),
        project_name="mnist_mlp",
        overwrite=True,
    )
    (x_fit, y_fit), validation = training.split_last((x, y), 0.2)  # as validation_split=0.2
    tuner.search(  # the tuner builds and fits one model per trial: it needs fit's arguments
        training.shuffled_batches(x_fit, y_fit, batch_size),
        epochs=epochs,
        validation_data=validation,
        shuffle=False,  # the batches shuffle themselves
        verbose=0,
    )
    return tuner


def results_table(tuner: keras_tuner.Tuner) -> pd.DataFrame:
    """One row per trial, best first: its hyper-parameters and validation accuracy."""
    import pandas as pd

    trials = tuner.oracle.get_best_trials(num_trials=len(tuner.oracle.trials))
    rows = [
        {"trial": t.trial_id, **t.hyperparameters.values, "val_accuracy": t.score} for t in trials
    ]
    return pd.DataFrame(rows).set_index("trial")
