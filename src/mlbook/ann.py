"""Chapter *Artificial Neural Networks*: perceptron, activations, forward pass, backpropagation.

They are written in NumPy and checked against numerical and TensorFlow gradients.

Parameters of a network are a list of ``(W, b)`` pairs, one per layer, with ``W`` of
shape ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``. Hidden layers use ``tanh``, the
output layer one sigmoid unit (binary classification), the loss is the mean binary
cross-entropy.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from mlbook.profile import freeze

Params = list[tuple[np.ndarray, np.ndarray]]

#: Per-profile settings (NumPy only, so both profiles are cheap).
SETTINGS = freeze(
    {
        "full": {
            "n_samples": 400,
            "noise": 0.2,
            "hidden": 16,
            "epochs": 3000,
            "lr": 0.5,
            "lr_epochs": 1500,
            "perceptron_epochs": 20,
            "keras_epochs": 40,
        },
        "quick": {
            "n_samples": 200,
            "noise": 0.2,
            "hidden": 16,
            "epochs": 1500,
            "lr": 0.5,
            "lr_epochs": 500,
            "perceptron_epochs": 20,
            "keras_epochs": 10,
        },
    }
)


# --- activation functions ----------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


#: name -> (function, derivative), both elementwise.
ACTIVATIONS: dict[
    str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
] = {
    "step": (lambda z: (z >= 0).astype(float), lambda z: np.zeros_like(z, dtype=float)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
}


# --- the perceptron ----------------------------------------------------------------


def train_perceptron(
    X: np.ndarray, y: np.ndarray, epochs: int = 20, lr: float = 1.0
) -> tuple[np.ndarray, float, list[int]]:
    """Rosenblatt's perceptron rule: after each example, ``w += lr * (y - ŷ) * x``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,), values 0 or 1

    Returns
    -------
    w : ndarray, shape (d,)
    b : float
    errors : list of int
        Misclassified examples in each epoch (0 once the data is separated).
    """
    w, b = np.zeros(X.shape[1]), 0.0
    errors = []
    for _ in range(epochs):
        wrong = 0
        for xi, yi in zip(X, y):
            pred = float(xi @ w + b >= 0)
            w += lr * (yi - pred) * xi
            b += lr * (yi - pred)
            wrong += int(pred != yi)
        errors.append(wrong)
    return w, b, errors


# --- a multi-layer network in NumPy ------------------------------------------------


def init_params(sizes: list[int], seed: int = 0) -> Params:
    """Random weights (Glorot/Xavier scale) and zero biases for layer sizes, e.g. ``[2, 16, 1]``."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)), np.zeros(n_out))
        for n_in, n_out in pairwise(sizes)
    ]


def forward(params: Params, X: np.ndarray) -> list[np.ndarray]:
    """Compute the forward pass: the activations of every layer, input first.

    Parameters
    ----------
    X : ndarray, shape (n, d)

    Returns
    -------
    list of ndarray
        ``[X, a1, ..., p]``; hidden ``a_l = tanh(a_{l-1} W_l + b_l)`` of shape
        ``(n, units_l)``; the output ``p = sigmoid(a_{L-1} W_L + b_L)``, shape
        ``(n, 1)``.
    """
    acts = [X]
    for i, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        acts.append(_sigmoid(z) if i == len(params) - 1 else np.tanh(z))
    return acts


def loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy of the network's output against labels ``y`` (n,) in {0, 1}."""
    p = np.clip(forward(params, X)[-1][:, 0], 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def backward(params: Params, acts: list[np.ndarray], y: np.ndarray) -> Params:
    """Backpropagation: the gradient of ``loss`` for every ``(W, b)``.

    Parameters
    ----------
    acts : list of ndarray
        The output of ``forward`` on the same examples.
    y : ndarray, shape (n,)

    Returns
    -------
    list of (dW, db)
        Same shapes as *params*.
    """
    n = len(y)
    delta = (acts[-1] - y[:, None]) / n  # dLoss/dz at the output (sigmoid + BCE)
    grads = []
    for layer in range(len(params) - 1, -1, -1):
        W, _ = params[layer]
        grads.append((acts[layer].T @ delta, delta.sum(axis=0)))
        if layer > 0:  # back through W, then through tanh
            delta = (delta @ W.T) * (1.0 - acts[layer] ** 2)
    return grads[::-1]


def numerical_gradients(params: Params, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> Params:
    """Central differences ``(L(θ + ε) − L(θ − ε)) / 2ε``, one parameter at a time (slow)."""
    grads = []
    for W, b in params:
        pair = []
        for arr in (W, b):
            g = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + eps
                up = loss(params, X, y)
                arr[idx] = old - eps
                down = loss(params, X, y)
                arr[idx] = old
                g[idx] = (up - down) / (2 * eps)
            pair.append(g)
        grads.append((pair[0], pair[1]))
    return grads


def tf_gradients(params: Params, X: np.ndarray, y: np.ndarray) -> Params:
    """Get the same gradients from TensorFlow's automatic differentiation.

    The forward pass runs in float64 under ``tf.GradientTape``.
    """
    import tensorflow as tf

    variables = [
        (
            tf.Variable(W, dtype=tf.float64),
            tf.Variable(b, dtype=tf.float64),
        )
        for W, b in params
    ]
    a = tf.constant(X, dtype=tf.float64)
    with tf.GradientTape() as tape:
        for i, (W, b) in enumerate(variables):
            z = a @ W + b
            a = tf.sigmoid(z) if i == len(variables) - 1 else tf.tanh(z)
        p = a[:, 0]
        yt = tf.constant(y, dtype=tf.float64)
        value = -tf.reduce_mean(yt * tf.math.log(p) + (1 - yt) * tf.math.log(1 - p))
    flat = tape.gradient(value, [v for pair in variables for v in pair])
    return [(flat[2 * i].numpy(), flat[2 * i + 1].numpy()) for i in range(len(params))]


def max_abs_difference(a: Params, b: Params) -> float:
    """Largest absolute difference between two gradient lists of the same shapes."""
    return max(float(np.max(np.abs(x - y))) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


def train_mlp(
    X: np.ndarray,
    y: np.ndarray,
    hidden: list[int],
    *,
    lr: float,
    epochs: int,
    seed: int = 0,
) -> tuple[Params, list[float]]:
    """Full-batch gradient descent with ``forward`` and ``backward``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,), values 0 or 1
    hidden : list of int
        Units of each hidden layer, e.g. ``[16]``.

    Returns
    -------
    params : the trained weights
    losses : list of float, the loss before each step (length *epochs*)
    """
    params = init_params([X.shape[1], *hidden, 1], seed)
    losses = []
    for _ in range(epochs):
        acts = forward(params, X)
        p = np.clip(acts[-1][:, 0], 1e-12, 1 - 1e-12)
        losses.append(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))))
        grads = backward(params, acts, y)
        params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
    return params, losses


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    """Class predictions (n,) in {0, 1}: output probability ≥ 0.5."""
    return (forward(params, X)[-1][:, 0] >= 0.5).astype(int)


def plot_decision_boundary(
    predict_proba: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax=None,
    title: str = "Decision boundary",
    resolution: int = 200,
):
    """Shade ``predict_proba`` over the plane of *X*, with the points; return the axes.

    ``predict_proba`` maps ``(m, 2)`` points to ``(m,)``; *X* is ``(n, 2)``. The 0.5 contour
    is drawn and the points are coloured by *y*.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    proba = predict_proba(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    mesh = ax.contourf(gx, gy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(gx, gy, proba, levels=[0.5], colors="black", linewidths=1.5)
    for label, marker in ((0, "o"), (1, "s")):
        pts = X[y == label]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            marker=marker,
            s=18,
            edgecolor="black",
            linewidth=0.5,
            color="tab:blue" if label == 0 else "tab:red",
            label=f"class {label}",
        )
    ax.figure.colorbar(mesh, ax=ax, label="P(class 1)")
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$")
    # below the axes, so it covers none of the points
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    ax.grid(False)
    return ax


# --- a picture of the forward and the backward pass --------------------------------


def draw_forward_backward(params: Params, x: np.ndarray, y: float, *, fig=None):
    """Draw one example's forward pass and backward pass through a small network.

    Two panels of the same network: on the left, each unit holds its activation (the
    input, then ``a_l``, then the output probability ``p``), with arrows in the
    direction of the forward pass; on the right, each non-input unit holds its
    ``delta_l = dL/dz_l`` in red, with arrows pointing back towards the input (the
    first layer's weights, which need no delta below them, are plain grey lines). For one
    example, ``delta_l`` is also the gradient of the layer's biases, which is how it is
    read from :func:`backward`.

    Parameters
    ----------
    params : the network, e.g. ``init_params([2, 3, 1])``
    x : ndarray, shape (d,), one example
    y : its label, 0 or 1

    Returns
    -------
    the figure, with the two axes in ``fig.axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch

    acts = forward(params, np.asarray(x, dtype=float)[None, :])
    grads = backward(params, acts, np.array([float(y)]))
    deltas = [None] + [db for _, db in grads]  # no delta for the input layer
    sizes = [a.shape[1] for a in acts]
    if fig is None:
        fig = plt.figure(figsize=(7, 3.3))
    ax_f, ax_b = fig.subplots(1, 2)
    radius, gap = 0.34, 1.0
    place = {
        (layer, unit): (1.6 * layer, gap * ((n - 1) / 2 - unit))
        for layer, n in enumerate(sizes)
        for unit in range(n)
    }
    top = max(sizes) * gap / 2
    names = ["input $x$"] + [f"hidden $a_{i}$" for i in range(1, len(sizes) - 1)] + ["output $p$"]
    for ax, backward_pass in ((ax_f, False), (ax_b, True)):
        colour = "#b2182b" if backward_pass else "#222222"
        for layer in range(len(sizes) - 1):
            for i in range(sizes[layer]):
                for j in range(sizes[layer + 1]):
                    (x0, y0), (x1, y1) = place[(layer, i)], place[(layer + 1, j)]
                    # from circle edge to circle edge, against the pass when backward
                    d = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
                    a, b = np.array([x0, y0]) + radius * d, np.array([x1, y1]) - radius * d
                    # backwards, nothing flows past the first hidden layer: plain lines
                    stops = backward_pass and layer == 0
                    ax.add_patch(
                        FancyArrowPatch(
                            *((b, a) if backward_pass else (a, b)),
                            arrowstyle="-" if stops else "-|>",
                            mutation_scale=9,
                            color="#9aa5b1" if stops else colour,
                            alpha=0.6,
                            linewidth=0.4 + 2.0 * min(abs(params[layer][0][i, j]), 1.5),
                            shrinkA=0,
                            shrinkB=1,
                        )
                    )
        for (layer, unit), (cx, cy) in place.items():
            shaded = backward_pass and layer == 0
            ax.add_patch(
                Circle(
                    (cx, cy),
                    radius,
                    facecolor="#eeeeee" if shaded else "white",
                    edgecolor="#222222",
                    linewidth=1.2,
                    zorder=3,
                )
            )
            if backward_pass and layer > 0:
                text, tcolour = f"{deltas[layer][unit]:.2f}", "#b2182b"
            elif not backward_pass:
                text, tcolour = f"{acts[layer][0, unit]:.2f}", "#222222"
            else:
                continue
            ax.text(
                cx,
                cy,
                text.replace("-", "−"),
                ha="center",
                va="center",
                fontsize=9,
                color=tcolour,
                zorder=4,
            )
        for layer, name in enumerate(names):
            if backward_pass and layer > 0:
                name = f"$\\delta_{layer}$" if layer < len(sizes) - 1 else "$\\delta_L = p - y$"
            ax.text(1.6 * layer, -top - 0.2, name, ha="center", va="top", fontsize=9.5)
        ax.set(xlim=(-0.7, 1.6 * (len(sizes) - 1) + 0.7), ylim=(-top - 0.6, top))
        ax.set_aspect("equal")
        ax.axis("off")
    ax_f.set_title("Forward: activations", fontsize=11)
    ax_b.set_title("Backward: $\\delta_l = \\partial L / \\partial z_l$", fontsize=11)
    fig.tight_layout()
    return fig
