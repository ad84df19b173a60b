"""Chapter *Deep Learning*: the seed's MNIST multi-layer perceptron, trained and inspected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
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
#: the test accuracy owes to the seed. ``depth_*``: the depth study's budget (a subset,
#: epochs, batch size), the same for every depth and smaller than the notes' run.
SETTINGS = freeze(
    {
        "full": {
            "train_size": None,
            "epochs": 10,
            "batch_size": 32,
            "spread_seeds": (1, 2),
            "depth_size": 10_000,
            "depth_epochs": 10,
            "depth_batch": 64,
        },
        "quick": {
            "train_size": 6000,
            "epochs": 2,
            "batch_size": 32,
            "spread_seeds": (1, 2),
            "depth_size": 2000,
            "depth_epochs": 3,
            "depth_batch": 64,
        },
    }
)


def prepare(
    x: np.ndarray, y: np.ndarray, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Scale uint8 images to float32 in [0, 1]; optionally keep a stratified subset.

    The subset is drawn at random (with *seed*), with every class in its proportion.

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
        msg = f"expected images (n, h, w) and n labels, got {x.shape} and {y.shape}"
        raise ValueError(msg)
    if size is not None and size < len(x):
        from sklearn.model_selection import train_test_split

        x, _, y, _ = train_test_split(
            x,
            y,
            train_size=size,
            stratify=y,
            random_state=seed,
        )
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
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_rate,
        decay_steps=total_steps,
    )
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
        training.train(
            model,
            x_train,
            y_train,
            epochs=epochs,
            batch_size=batch_size,
            verbose=0,
        )
        accuracies[seed] = float(model.evaluate(x_test, y_test, verbose=0)[1])
    return accuracies


def n_parameters(widths: Sequence[int], n_inputs: int = 784, n_classes: int = 10) -> int:
    """Count the weights and biases of an MLP with hidden layers of *widths* units."""
    sizes = [n_inputs, *widths, n_classes]
    return sum((a + 1) * b for a, b in pairwise(sizes))


def matched_widths(
    depth: int, params: int, n_inputs: int = 784, n_classes: int = 10
) -> tuple[int, ...]:
    """Return *depth* equal hidden widths whose MLP has about *params* parameters.

    The width is the whole number whose parameter count comes closest to *params*, so
    networks of different depths can be compared at (almost) the same size.
    """
    if depth < 1:
        raise ValueError(f"an MLP needs at least one hidden layer, got depth={depth}")

    def gap(h: int) -> int:
        return abs(n_parameters((h,) * depth, n_inputs, n_classes) - params)

    width = 1
    while gap(width + 1) < gap(width):  # the gap falls, then rises: stop at its bottom
        width += 1
    return (width,) * depth


def build_deep_mlp(
    widths: Sequence[int], optimizer="adam", steps_per_execution: int = 10
) -> keras.Model:
    """Build an MLP for MNIST with one ReLU hidden layer per entry of *widths*.

    Fewer steps per call than ``build_mlp``: a study trains many of these in a row, each
    traces its own training function once, and with only a few calls per model
    TensorFlow reports the traces as frequent retracing (a warning on the page).
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [keras.Input(shape=(28, 28)), layers.Flatten()]
        + [layers.Dense(w, activation="relu") for w in widths]
        + [layers.Dense(10, activation="softmax")],
        name=f"mlp_{len(widths)}_hidden",
    )
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def depth_study(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    depths: Sequence[int],
    params: int,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
) -> dict[int, dict[int, float]]:
    """Train MLPs of each depth at about *params* parameters, once per seed.

    Every network trains with the falling rate (``cosine_adam``) on the same data for
    the same steps; seed *s* fixes its batch order for every depth. Returns
    ``{depth: {seed: test accuracy}}``.
    """
    from mlbook.repro import seed_everything

    total_steps = epochs * training.steps_per_epoch(len(x_train), batch_size)
    results: dict[int, dict[int, float]] = {}
    for depth in depths:
        widths = matched_widths(depth, params)
        results[depth] = {}
        for seed in seeds:
            seed_everything(seed)
            model = build_deep_mlp(widths, optimizer=cosine_adam(total_steps))
            training.train(
                model,
                x_train,
                y_train,
                epochs=epochs,
                batch_size=batch_size,
                verbose=0,
            )
            results[depth][seed] = float(training.correct(model, x_test, y_test).mean())
    return results


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


def most_confident_mistakes(
    proba: np.ndarray,
    y: np.ndarray,
    n: int = 16,
) -> np.ndarray:
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


# --- what one training step computes: softmax, cross-entropy, Adam ------------------


def mlp_logits(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Compute the output layer's scores before its softmax by hand, from the weights.

    Parameters
    ----------
    model : a model built by build_mlp (flatten, one ReLU layer, output layer)
    x : ndarray, shape (n, 28, 28)

    Returns
    -------
    ndarray, shape (n, n_classes), float64
    """
    weights = [w.astype("float64") for w in model.get_weights()]
    w_hidden, b_hidden, w_out, b_out = weights
    hidden = np.maximum(x.reshape(len(x), -1) @ w_hidden + b_hidden, 0.0)  # ReLU
    return hidden @ w_out + b_out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Turn scores (..., K) into probabilities that are positive and sum to one.

    Subtracting each row's largest score first changes nothing in the result (the
    common factor cancels) but keeps exp from overflowing.
    """
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = exp / exp.sum(axis=-1, keepdims=True)
    return probs


def cross_entropy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of integer labels (n,) under predicted probabilities (n, K).

    Only the probability given to the true class counts: the loss of one example is
    minus its logarithm.
    """
    p_true = probs[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(p_true)))


def adam_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 1e-3,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    eps: float = 1e-7,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Take Adam's step number t (from 1) by hand; return the new theta, m and v.

    m and v are running averages of the gradient and of its square. Dividing them by
    1 - beta_1 ** t and 1 - beta_2 ** t removes their bias towards the zeros they
    start from; alpha folds both corrections into the step size, as Keras does (eps
    then sits next to the uncorrected square root). The defaults are Keras'.
    """
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad**2
    alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    theta = theta - alpha * m / (np.sqrt(v) + eps)
    return theta, m, v


def keras_adam_steps(theta: np.ndarray, grads: list[np.ndarray], lr: float = 1e-3) -> np.ndarray:
    """Apply the gradients in *grads*, in order, with ``keras.optimizers.Adam``.

    Starts from a variable holding *theta* (float64); returns its final value. The
    optimizer's defaults are those of :func:`adam_step`.
    """
    import keras
    import tensorflow as tf

    variable = tf.Variable(np.asarray(theta, dtype="float64"))
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    for grad in grads:
        optimizer.apply_gradients([(tf.constant(grad, dtype="float64"), variable)])
    return variable.numpy()


def draw_softmax_pipeline(logits: np.ndarray, label: int, *, digit_title: str = ""):
    """Draw one example's logits, their softmax and its cross-entropy, in three panels.

    *logits* has shape (K,); *label* is the true class, highlighted in every panel.
    The third panel draws the loss of one example, -log p, as a function of the
    probability p of the true class, with this example's point marked. Returns the
    figure.
    """
    import matplotlib.pyplot as plt

    probs = softmax(np.asarray(logits, dtype="float64"))
    classes = np.arange(len(logits))
    colours = ["#b2182b" if k == label else "#9aa5b1" for k in classes]
    fig, (ax_z, ax_p, ax_l) = plt.subplots(1, 3, figsize=(7, 3.0))
    ax_z.bar(classes, logits, color=colours)
    ax_z.axhline(0, color="#222222", linewidth=0.8)
    ax_z.set(title="1. logits $z_k$", xlabel="digit $k$", xticks=classes)
    ax_p.bar(classes, probs, color=colours)
    ax_p.set(title="2. softmax $p_k$", xlabel="digit $k$", xticks=classes, ylim=(0, 1.12))
    p_true = float(probs[label])
    ax_p.annotate(
        f"$p_{{{label}}}$ = {p_true:.2f}",
        (label, p_true),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=9,
        color="#b2182b",
    )
    p = np.linspace(0.01, 1, 200)
    ax_l.plot(p, -np.log(p), color="#222222", linewidth=1.5)
    ax_l.plot([p_true], [-np.log(p_true)], "o", color="#b2182b", ms=7)
    ax_l.annotate(
        f"loss = {-np.log(p_true):.2f}",
        (p_true, -np.log(p_true)),
        xytext=(0.4, 3.0),
        ha="left",
        fontsize=9,
        color="#b2182b",
        arrowprops={"arrowstyle": "->", "color": "#b2182b", "linewidth": 1},
    )
    ax_l.set(
        title="3. loss $-\\log p_y$", xlabel=f"$p_y$ (y = {label})", xlim=(0, 1.02), ylim=(0, 4.8)
    )
    for ax in (ax_z, ax_p, ax_l):
        ax.tick_params(labelsize=9)
        ax.title.set_fontsize(11)
        ax.xaxis.label.set_fontsize(10)
        ax.grid(axis="x", visible=False)
    if digit_title:
        fig.suptitle(digit_title, fontsize=11)
    fig.tight_layout()
    return fig
