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
        optimiser name -> ``history.history`` (``loss``, ``accuracy``, ``val_*``) plus
        ``val_correct``: after the last epoch, right (True) or wrong per validation
        image, the same images for every optimiser (for
        :func:`mlbook.verdict.compare_paired`).
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
            optimizer=make(),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
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
        histories[name]["val_correct"] = training.correct(model, *validation)
    return histories


def decay_factor(learning_rate: float, weight_decay: float, steps: int) -> float:
    """Return the share of a weight AdamW's decoupled decay alone leaves after *steps* steps.

    Each step multiplies every weight by 1 − ηλ besides the adaptive step (the line
    ``w = w - lr * weight_decay * w`` of :func:`adam_step`), so after *steps* steps the
    decay alone leaves the share (1 − ηλ)^steps of it.
    """
    if steps < 0:
        raise ValueError(f"steps must be non-negative, got {steps}")
    return float((1.0 - learning_rate * weight_decay) ** steps)


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
    reuse: dict[str, dict] | None = None,
) -> pd.DataFrame:
    """Race the optimisers *names* (from :func:`optimizers`) once per learning rate.

    Every run starts from the race's initial weights and batch order (:func:`race`).
    *reuse*: the histories of a :func:`race` on the same data, epochs, batch size
    and seed; a run at an optimiser's default rate is then the race's own, not
    trained again.

    Returns
    -------
    DataFrame
        Last-epoch validation accuracy: one row per learning rate, one column per
        optimiser.
    """
    import pandas as pd

    made = optimizers()
    reuse = reuse or {}
    default = {name: float(made[name]().learning_rate) for name in names}
    known = {
        (name, lr): reuse[name]
        for name in names
        for lr in rates
        if name in reuse and np.isclose(lr, default[name], rtol=1e-6)
    }
    pairs = [(name, lr) for name in names for lr in rates if (name, lr) not in known]
    contestants = {(name, lr): at_learning_rate(made[name], lr) for name, lr in pairs}
    trained = {}  # an empty contestants dict would make race() run every optimiser
    if contestants:
        trained = race(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            contestants=contestants,
        )
    histories = known | trained
    last = {key: h["val_accuracy"][-1] for key, h in histories.items()}
    table = {name: {lr: last[name, lr] for lr in rates} for name in names}
    return pd.DataFrame(table).rename_axis("learning rate")


def schedules(initial: float = 1e-3, steps: int = 1000) -> dict:
    """Three learning-rate schedules over ``steps`` optimiser steps."""
    from keras.optimizers import schedules as s

    return {
        "exponential decay": s.ExponentialDecay(
            initial,
            decay_steps=steps // 4,
            decay_rate=0.5,
        ),
        "piecewise constant": s.PiecewiseConstantDecay(
            boundaries=[steps // 2, 3 * steps // 4],
            values=[initial, initial / 10, initial / 100],
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
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss",
            factor=0.5,
            patience=1,
            min_lr=1e-5,
        ),
        keras.callbacks.ModelCheckpoint(
            best_path,
            monitor="val_accuracy",
            save_best_only=True,
        ),
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
    """Build one model of the search space.

    The space: hidden units, dropout rate and Adam's learning rate.
    """
    import keras

    model = build_uncompiled_mlp(
        units=hp.Int("units", 32, 256, step=32),
        dropout=hp.Float("dropout", 0.0, 0.5, step=0.1),
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
    # as validation_split=0.2
    (x_fit, y_fit), validation = training.split_last((x, y), 0.2)
    # the tuner builds and fits one model per trial: it needs fit's arguments
    tuner.search(
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


# --- The update rules by hand ------------------------------------------------------------
#
# Each ``*_step`` takes the weights ``w``, their gradient ``g`` and the optimiser's state
# (a dict, empty before the first step) and returns the new weights and state, as the
# Keras class of the same name does for one call of ``optimizer.apply``.


def sgd_step(w, g, state, *, lr: float = 0.01, momentum: float = 0.0):
    """One step of SGD, with momentum if ``momentum > 0`` (Keras' ``SGD``).

    The velocity ``v`` keeps a decaying sum of past steps; without momentum it is just
    the step ``-lr * g``.
    """
    v = momentum * state.get("v", 0.0) - lr * g
    return w + v, {"v": v}


def rmsprop_step(w, g, state, *, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-7):
    """One step of RMSprop (Keras' ``RMSprop``): divide by the gradient's running RMS."""
    s = rho * state.get("s", 0.0) + (1 - rho) * g**2
    return w - lr * g / np.sqrt(s + eps), {"s": s}


def adam_step(
    w,
    g,
    state,
    *,
    lr: float = 1e-3,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-7,
    weight_decay: float = 0.0,
):
    """One step of Adam, or of AdamW if ``weight_decay > 0`` (Keras' classes).

    The moments ``m`` and ``v`` are running means of the gradient and of its square,
    corrected for starting at zero. AdamW first shrinks the weights by
    ``lr * weight_decay``, outside the adaptive step. Keras adds its ``eps`` to the
    root of ``v`` before the correction; the results agree to float32 precision.
    """
    t = state.get("t", 0) + 1
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g**2
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    w = w - lr * weight_decay * w
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"t": t, "m": m, "v": v}


#: Hand step and the Keras optimiser it mirrors, with the same hyper-parameters.
HAND_STEPS = {
    "SGD": (sgd_step, "SGD", {"lr": 0.01}),
    "SGD + momentum": (sgd_step, "SGD", {"lr": 0.01, "momentum": 0.9}),
    "RMSprop": (rmsprop_step, "RMSprop", {"lr": 1e-3}),
    "Adam": (adam_step, "Adam", {"lr": 1e-3}),
    "AdamW": (adam_step, "AdamW", {"lr": 1e-3, "weight_decay": 0.004}),
}


def keras_optimizer(name: str) -> keras.optimizers.Optimizer:
    """Return the Keras optimiser that ``HAND_STEPS[name]`` mirrors."""
    import keras

    _, cls, hyper = HAND_STEPS[name]
    kwargs = {("learning_rate" if k == "lr" else k): v for k, v in hyper.items()}
    return getattr(keras.optimizers, cls)(**kwargs)


def hand_vs_keras(name: str, w0, grads) -> tuple[np.ndarray, np.ndarray]:
    """Apply the gradients ``grads`` one step each, by hand and with Keras.

    Parameters
    ----------
    name : str
        A key of ``HAND_STEPS``.
    w0 : ndarray, shape (d,)
        Starting weights.
    grads : ndarray, shape (n_steps, d)
        The gradient given at each step (fixed in advance, so both sides see the same).

    Returns
    -------
    by_hand, by_keras : ndarray, shape (d,)
        The weights after the last step.
    """
    import keras

    step, _, hyper = HAND_STEPS[name]
    w, state = np.asarray(w0, dtype="float64"), {}
    for g in grads:
        w, state = step(w, np.asarray(g, dtype="float64"), state, **hyper)
    variable = keras.Variable(np.asarray(w0, dtype="float32"))
    optimizer = keras_optimizer(name)
    for g in grads:
        optimizer.apply([np.asarray(g, dtype="float32")], [variable])
    return w, np.asarray(variable.numpy(), dtype="float64")


#: The elongated bowl of the paths figure: f(w) = (a1 w1² + a2 w2²) / 2.
BOWL = (1.0, 20.0)
#: SGD's learning rate and the momentum of "SGD + momentum" on the bowl.
BOWL_LR = 0.09
BOWL_MOMENTUM = 0.7


def bowl_gradient(w, curvature=BOWL):
    """Gradient of the bowl ``f(w) = sum(a_i w_i**2) / 2``: ``a * w``."""
    return np.asarray(curvature) * w


def descend(step, w0, n_steps: int, *, gradient=bowl_gradient, **hyper) -> np.ndarray:
    """Follow *step* (e.g. ``sgd_step``) for ``n_steps`` steps from ``w0``.

    Returns
    -------
    ndarray, shape (n_steps + 1, d)
        The weights before each step and after the last.
    """
    w, state = np.asarray(w0, dtype=float), {}
    path = [w]
    for _ in range(n_steps):
        w, state = step(w, gradient(w), state, **hyper)
        path.append(w)
    return np.array(path)


def sgd_paths(
    w0=(-4.0, 1.0), n_steps: int = 30, lr: float = BOWL_LR, momentum: float = BOWL_MOMENTUM
) -> dict[str, np.ndarray]:
    """Return the paths of SGD and of SGD with momentum on the bowl, at one learning rate."""
    return {
        "SGD": descend(sgd_step, w0, n_steps, lr=lr),
        "SGD + momentum": descend(sgd_step, w0, n_steps, lr=lr, momentum=momentum),
    }


def bowl_paths(
    w0=(-4.0, 1.0), n_steps: int = 30, lr: float = BOWL_LR, momentum: float = BOWL_MOMENTUM
) -> dict[str, np.ndarray]:
    """Return the paths of SGD, SGD with momentum and Adam on the bowl (hand updates).

    SGD and momentum share the learning rate ``lr``; Adam, whose steps do not scale with
    the gradient, takes steps of about 0.2.
    """
    return {
        **sgd_paths(w0, n_steps, lr=lr, momentum=momentum),
        "Adam": descend(adam_step, w0, n_steps, lr=0.2),
    }


def draw_paths(paths: dict[str, np.ndarray], curvature=BOWL, ax=None, *, limits=None):
    """Draw optimiser paths over the contour lines of the bowl; minimum marked with a star.

    One line with markers per path, in the order of *paths*, and a legend outside the
    data (below the axes). *limits*, ``((w1_min, w1_max), (w2_min, w2_max))``, fixes the
    axes (a path that leaves them is clipped); by default they fit the paths.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    if limits is None:
        points = np.concatenate(list(paths.values()))
        x0, x1 = points[:, 0].min() - 0.5, max(points[:, 0].max(), 0) + 0.5
        y_max = np.abs(points[:, 1]).max() + 0.3
        (y0, y1) = (-y_max, y_max)
    else:
        (x0, x1), (y0, y1) = limits
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    f = (curvature[0] * gx**2 + curvature[1] * gy**2) / 2
    ax.contour(gx, gy, f, levels=12, colors="0.7", linewidths=0.8)
    markers = ["o", "s", "^", "D", "v"]
    for (name, path), marker in zip(paths.items(), markers):
        ax.plot(*path.T, marker=marker, ms=3.5, lw=1.4, label=f"{name} ({len(path) - 1} steps)")
    ax.plot([0], [0], "k*", ms=12, label="minimum")
    ax.set(
        title="Optimiser paths on an elongated bowl",
        xlabel="$w_1$ (gentle direction)",
        ylabel="$w_2$ (steep direction)",
    )
    if limits is not None:
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9)
    return ax


#: The axes of :func:`explore_learning_rates`' frames: every path that converges fits.
EXPLORE_LIMITS = ((-4.5, 1.5), (-1.8, 1.8))


def explore_learning_rates(
    rates, *, momentum: float = BOWL_MOMENTUM, steps: int = 30, w0=(-4.0, 1.0)
):
    """Frames for an explorable figure: SGD's paths on the bowl, one learning rate each.

    Each frame is :func:`draw_paths` of :func:`sgd_paths` (plain SGD and SGD with
    momentum, at the same rate) on fixed axes, all of one size, for
    :func:`mlbook.explorable.frames_player`. A path that diverges leaves the axes and is
    clipped; its legend entry says so.

    Parameters
    ----------
    rates : sequence of float
        The learning rates, one frame each.
    momentum : float
        The momentum of "SGD + momentum".
    steps : int
        Steps per path, from *w0*.
    w0 : pair of float
        The start, on the bowl ``BOWL``.

    Returns
    -------
    frames : list of matplotlib.figure.Figure
        One per rate, drawn with ``layout="constrained"``, 6.4 x 3.8 inches.
    rows : list of dict
        One per rate: ``learning_rate``; ``distance``, path name -> distance to the
        minimum after the last step; ``diverged``, path name -> True if the path ended
        farther from the minimum than it started (or overflowed).
    """
    import matplotlib.pyplot as plt

    start = float(np.linalg.norm(w0))
    frames, rows = [], []
    for lr in rates:
        paths = sgd_paths(w0, steps, lr=lr, momentum=momentum)
        distance = {name: float(np.linalg.norm(p[-1])) for name, p in paths.items()}
        diverged = {name: not d <= start for name, d in distance.items()}  # NaN too
        rows.append({"learning_rate": lr, "distance": distance, "diverged": diverged})
        fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
        label = {k: f"{k}, diverged" if diverged[k] else k for k in paths}
        shown = {label[k]: p for k, p in paths.items()}
        draw_paths(shown, ax=ax, limits=EXPLORE_LIMITS)
        ax.set_title(f"Learning rate {lr:g} (momentum {momentum:g})")
        frames.append(fig)
    return frames, rows


def hand_schedules(initial: float = 1e-3, steps: int = 1000) -> dict:
    """Return the three schedules of the page as plain formulas of the step (NumPy)."""
    warm = steps // 10

    def exponential(t):
        return initial * 0.5 ** (t / (steps // 4))

    def piecewise(t):
        conditions = [t <= steps // 2, t <= 3 * steps // 4]
        return np.select(conditions, [initial, initial / 10], initial / 100)

    def cosine(t):
        t = np.minimum(t, steps)
        rise = initial / 10 + (initial - initial / 10) * t / warm
        fall = initial * 0.5 * (1 + np.cos(np.pi * (t - warm) / (steps - warm)))
        return np.where(t < warm, rise, fall)

    return {
        "exponential decay": exponential,
        "piecewise constant": piecewise,
        "cosine with warm-up": cosine,
    }
