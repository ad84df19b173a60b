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

    from mlbook.verdict import Verdict

#: Per-profile settings: a deliberately small training set, a validation set (watched by
#: early stopping and choosing a technique), a test set (``None``: all of MNIST's) that
#: reports them once, and
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
    """Build a two-hidden-layer MLP for 28 × 28 images, regularised by *technique*.

    ``"baseline"`` and ``"early stopping"`` build the same plain network (early stopping
    is a callback of ``fit``, not part of the model).
    """
    import keras
    from keras import layers, regularizers

    if technique not in TECHNIQUES:
        raise ValueError(f"unknown technique {technique!r}; choose from {TECHNIQUES}")
    reg = {
        "L1": regularizers.L1(L1_FACTOR),
        "L2": regularizers.L2(L2_FACTOR),
    }.get(technique)
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
            dense = layers.Dense(units, activation="relu", kernel_regularizer=reg)
            model_layers.append(dense)
        if technique == "dropout":
            model_layers.append(layers.Dropout(DROPOUT))
    model_layers.append(layers.Dense(10, activation="softmax"))
    model = keras.Sequential(model_layers, name=technique.replace(" ", "_"))
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
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
    training minus test accuracy when ``test = (x_test, y_test)`` is given (early
    stopping chose its epoch on the validation data), else training minus validation
    accuracy.
    """

    def accuracy(x, y) -> float:
        return float(model.evaluate(x, y, batch_size=1024, verbose=0)[1])

    x_train, y_train, x_val, y_val = data
    scores = {
        "train accuracy": accuracy(x_train, y_train),
        "validation accuracy": accuracy(x_val, y_val),
    }
    if test is not None:
        scores["test accuracy"] = accuracy(*test)
    held_out = scores.get("test accuracy", scores["validation accuracy"])
    return {**scores, "gap": scores["train accuracy"] - held_out}


def summary_table(
    scores: dict[str, dict[str, float]], verdicts: dict[str, dict[str, Verdict]] | None = None
) -> pd.DataFrame:
    """Scores per technique, plus the change over the baseline.

    The change is in test accuracy if the scores have one, else in validation accuracy.
    With *verdicts* (from :func:`versus_baseline`), two text columns say how each
    technique's test accuracy and gap compare with the baseline's, with their noise.
    """
    import pandas as pd

    table = pd.DataFrame(scores).T
    ranked_by = "test accuracy" if "test accuracy" in table else "validation accuracy"
    table["vs baseline"] = table[ranked_by] - table.loc["baseline", ranked_by]
    if verdicts is not None:
        for column, key, word in (
            ("test vs baseline", "test", str),
            ("gap vs baseline", "gap", lambda v: GAP_WORDS[v.word]),
        ):
            table[column] = [
                _with_noise(verdicts[t][key], word) if t in verdicts else "" for t in table.index
            ]
    return table


def _with_noise(v: Verdict, word) -> str:
    """'ties with (+0.2 ± 0.8 points)'; 'ties with (same predictions)' when nothing differs."""
    if v.difference == 0 and v.half_width == 0:
        return f"{word(v)} (same predictions)"
    return f"{word(v)} ({v.interval()})"


def versus_baseline(
    right: dict[str, dict[str, np.ndarray]], baseline: str = "baseline"
) -> dict[str, dict[str, Verdict]]:
    """Compare every technique with the baseline, paired on the same images.

    *right* maps a technique to its per-example results (:func:`correct`) on
    ``"train"`` and ``"test"`` images, the same images for every technique. Returns,
    per technique but the baseline, ``"test"``: its test accuracy against the
    baseline's, and ``"gap"``: its gap against the baseline's (:func:`gap_change`).
    """
    from mlbook.verdict import compare_paired

    base = right[baseline]
    verdicts = {}
    for technique, r in right.items():
        if technique == baseline:
            continue
        test = compare_paired(r["test"], base["test"])
        train = compare_paired(r["train"], base["train"], unit="training examples")
        verdicts[technique] = {"test": test, "gap": gap_change(train, test)}
    return verdicts


#: Right (True) or wrong per example, in inference mode (the book's one implementation).
correct = training.correct


def gap_change(train: Verdict, test: Verdict) -> Verdict:
    """Verdict on how much *a*'s gap (train − test accuracy) exceeds *b*'s, with its noise.

    *train* and *test* compare *a* with *b* on the training and on the test images
    (:mod:`mlbook.verdict`). The gap difference is ``train.difference − test.difference``;
    its half width combines the two, as independent noises add:
    ``hypot(train.half_width, test.half_width)``. "beats" means *a*'s gap is the wider,
    "loses to" the narrower, "ties with" that the two gaps differ by less than the noise.
    """
    from dataclasses import replace

    if train.level != test.level:
        raise ValueError("combine two verdicts at the same level")
    return replace(
        test,
        difference=train.difference - test.difference,
        half_width=float(np.hypot(train.half_width, test.half_width)),
        method=f"gap: training ({train.method}) minus test ({test.method})",
    )


#: How the summary table reads a gap verdict (technique's gap against the baseline's).
GAP_WORDS = {"beats": "wider", "loses to": "narrower", "ties with": "tie", "cannot tell": "?"}


def first_kernel(model: keras.Model) -> np.ndarray:
    """Return the weights of the first ``Dense`` layer, flattened: shape ``(784 * units,)``."""
    import keras

    dense = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    return np.asarray(dense.kernel).ravel()


def near_zero_share(weights: np.ndarray, tol: float = NEAR_ZERO) -> float:
    """Share of weights whose magnitude is below ``tol``."""
    return float(np.mean(np.abs(weights) < tol))


# --- The math by hand ---------------------------------------------------------------------


def penalty(model: keras.Model) -> float:
    """Return the weight penalty a model adds to its loss, computed from its kernels.

    Sums ``factor * |w|`` (L1) or ``factor * w**2`` (L2) over every weight of every
    ``Dense`` kernel that carries a regulariser; zero for a model without one.
    """
    import keras

    total = 0.0
    for layer in model.layers:
        reg = getattr(layer, "kernel_regularizer", None)
        if not isinstance(layer, keras.layers.Dense) or reg is None:
            continue
        w = np.asarray(layer.kernel, dtype="float64")
        config = reg.get_config()
        l1, l2 = config.get("l1", 0.0), config.get("l2", 0.0)
        total += l1 * np.abs(w).sum() + l2 * (w**2).sum()
    return float(total)


def keras_penalty(model: keras.Model) -> float:
    """Return the penalty Keras adds to the loss: the sum of ``model.losses``."""
    import keras

    return float(sum(float(keras.ops.convert_to_numpy(v)) for v in model.losses))


def inverted_dropout(h: np.ndarray, rate: float, rng: np.random.Generator):
    """Drop each unit of *h* with probability *rate*; scale the others by 1/(1 - rate).

    The scaling keeps the expected output equal to *h*, so at inference the layer can
    simply pass *h* through.
    """
    keep = rng.random(np.shape(h)) >= rate
    return np.where(keep, h / (1 - rate), 0.0)


def keras_dropout_draws(h: np.ndarray, rate: float, n_draws: int, seed: int = 0) -> np.ndarray:
    """Apply ``keras.layers.Dropout(rate)`` in training mode to *n_draws* copies of *h*.

    Returns
    -------
    ndarray, shape (n_draws, *h.shape)
    """
    import keras

    layer = keras.layers.Dropout(rate, seed=seed)
    batch = np.broadcast_to(np.asarray(h, dtype="float32"), (n_draws, *np.shape(h)))
    return np.asarray(layer(batch, training=True))


def decay_under_adam(
    loss_gradients,
    *,
    w0: float = 1.0,
    decay: float = 0.01,
    lr: float = 1e-3,
    steps: int = 100,
) -> dict[str, np.ndarray]:
    """Shrink equal weights with an L2 penalty under Adam, and with AdamW's decay.

    Each weight gets a constant loss gradient (one per weight) for *steps* steps. With
    "Adam + L2" the penalty's gradient ``2 * decay * w`` is added to it and goes through
    Adam's rescaling; AdamW shrinks by ``lr * decay * w`` outside it. A third run with
    no decay at all gives the movement due to the loss alone.

    Returns
    -------
    dict
        ``"no decay"``, ``"Adam + L2"``, ``"AdamW"`` -> final weights, shape (k,).
    """
    from mlbook.optimization_tuning import adam_step

    g_loss = np.asarray(loss_gradients, dtype=float)
    runs = {"no decay": (0.0, 0.0), "Adam + L2": (decay, 0.0), "AdamW": (0.0, decay)}
    final = {}
    for name, (l2, weight_decay) in runs.items():
        w, state = np.full(g_loss.shape, w0), {}
        for _ in range(steps):
            g = g_loss + 2 * l2 * w
            w, state = adam_step(w, g, state, lr=lr, weight_decay=weight_decay)
        final[name] = w
    return final


def keras_decay_under_adam(
    loss_gradients, *, w0: float = 1.0, decay: float = 0.01, lr: float = 1e-3, steps: int = 100
) -> dict[str, np.ndarray]:
    """Run the same comparison as ``decay_under_adam`` with Keras' ``Adam`` and ``AdamW``."""
    import keras

    g_loss = np.asarray(loss_gradients, dtype="float32")
    final = {}
    for name, l2, make in [
        ("no decay", 0.0, lambda: keras.optimizers.Adam(lr)),
        ("Adam + L2", decay, lambda: keras.optimizers.Adam(lr)),
        ("AdamW", 0.0, lambda: keras.optimizers.AdamW(lr, weight_decay=decay)),
    ]:
        w = keras.Variable(np.full(g_loss.shape, w0, dtype="float32"))
        optimizer = make()
        for _ in range(steps):
            optimizer.apply([g_loss + 2 * l2 * np.asarray(w.numpy())], [w])
        final[name] = np.asarray(w.numpy(), dtype="float64")
    return final


#: The toy loss of the constraint figure: (w - centre)ᵀ A (w - centre).
TOY_CENTRE = (1.8, 0.45)
TOY_A = ((1.0, 0.25), (0.25, 1.5))


def toy_loss(w, centre=TOY_CENTRE, a=TOY_A) -> np.ndarray:
    """Quadratic loss ``(w - centre)ᵀ A (w - centre)`` for points ``w`` of shape (..., 2)."""
    d = np.asarray(w, dtype=float) - np.asarray(centre)
    return np.einsum("...i,ij,...j->...", d, np.asarray(a), d)


def ball_boundary(kind: str, radius: float = 1.0, n: int = 4001) -> np.ndarray:
    """Points on the boundary of the L1 ball (a diamond) or the L2 ball (a circle).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    angle = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    if kind == "L2":
        return radius * circle
    if kind == "L1":
        return radius * circle / np.abs(circle).sum(axis=1, keepdims=True)
    raise ValueError(f"kind must be 'L1' or 'L2', not {kind!r}")


def constrained_minimum(kind: str, radius: float = 1.0) -> np.ndarray:
    """Return the point of the ball of *kind* where the toy loss is smallest.

    The toy loss's unconstrained minimum lies outside the ball, so the constrained one lies
    on its boundary; we search the boundary densely.
    """
    boundary = ball_boundary(kind, radius)
    return boundary[np.argmin(toy_loss(boundary))]


def draw_penalty_balls(radius: float = 1.0):
    """Draw the L1 diamond and the L2 circle with the toy loss's contours, side by side.

    Each panel shows the ball (a ``Polygon`` patch), the loss contours, the unconstrained
    minimum (a cross) and the constrained minimum (a dot) where a contour first touches
    the ball.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    fig, axes = plt.subplots(1, 2, figsize=(7, 3.6), sharey=True)
    grid = np.linspace(-1.6, 2.4, 201)
    gx, gy = np.meshgrid(grid, grid)
    f = toy_loss(np.stack([gx, gy], axis=-1))
    for ax, kind in zip(axes, ("L1", "L2")):
        best = constrained_minimum(kind, radius)
        touch = float(toy_loss(best))
        ax.contour(gx, gy, f, levels=touch * np.array([0.25, 1, 2.25, 4]), colors="0.55")
        ax.add_patch(Polygon(ball_boundary(kind, radius, 401), alpha=0.3, color="C0"))
        ax.plot(*TOY_CENTRE, "kx", ms=9, mew=2)
        ax.plot(*best, "o", color="C3", ms=8)
        arrow = {"arrowstyle": "->", "color": "0.3"}
        ax.annotate("loss minimum", TOY_CENTRE, (0.5, 1.95), fontsize=9, arrowprops=arrow)
        label = f"w = ({best[0] + 0:.2f}, {best[1] + 0:.2f})"
        ax.annotate(label, best, (0.2, -1.35), fontsize=9, arrowprops=arrow)
        ax.axhline(0, color="0.3", lw=0.6)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set(
            title=f"{kind}: " + ("|w₁| + |w₂| ≤ 1" if kind == "L1" else "w₁² + w₂² ≤ 1"),
            xlabel="$w_1$",
            aspect="equal",
            xlim=(-1.6, 2.4),
            ylim=(-1.6, 2.4),
        )
    axes[0].set_ylabel("$w_2$")
    fig.tight_layout()
    return fig
