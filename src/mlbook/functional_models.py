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
    x: np.ndarray,
    y: np.ndarray,
    n_pairs: int,
    *,
    same_fraction: float = 0.5,
    seed: int = 0,
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
        ``digit``: the label of image A, ``(n_pairs,)`` int; ``same``: 1.0 if both
        images show the same digit, else 0.0, ``(n_pairs,)`` float32.
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
    code_a, code_b = encoder(image_a), encoder(image_b)  # shared: one set of weights
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
        loss={
            "digit": "sparse_categorical_crossentropy",
            "same": "binary_crossentropy",
        },
        loss_weights={"digit": 1.0, "same": same_weight},
        metrics={"digit": ["accuracy"], "same": ["accuracy"]},
    )
    return model


def weights_by_part(model: keras.Model) -> dict[str, int]:
    """Count the weights of each top-level layer that has any (the encoder counts once)."""
    return {layer.name: layer.count_params() for layer in model.layers if layer.count_params()}


def encode_by_hand(x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """Run the encoder in NumPy: ``h = relu(x W1 + b1)``, then ``h + relu(h W2 + b2)``.

    Parameters
    ----------
    x : ndarray, shape (batch, 28, 28)
    weights : list of ndarray
        The encoder's ``get_weights()``: ``[W1, b1, W2, b2]``.

    Returns
    -------
    ndarray, shape (batch, units)
    """
    w1, b1, w2, b2 = weights
    h = np.maximum(x.reshape(len(x), -1) @ w1 + b1, 0.0)  # Flatten, then "project"
    f = np.maximum(h @ w2 + b2, 0.0)  # "residual_dense"
    return h + f  # "skip_add": the residual connection


def pair_params_by_hand(units: int, n_pixels: int = 784, n_classes: int = 10) -> dict:
    """Count the weights of ``build_pair_model(units)`` by hand, part by part."""
    half = units // 2  # the width of the "compare" layer
    return {
        "encoder": (n_pixels + 1) * units + (units + 1) * units,  # counted once
        "compare": (2 * units + 1) * half,  # fed both codes, side by side
        "digit": (units + 1) * n_classes,
        "same": half + 1,
    }


def _graph(model: keras.Model):
    """Return the functional graph behind *model* (a Sequential model keeps one inside)."""
    return getattr(model, "_functional", None) or model


def model_edges(model: keras.Model) -> list[tuple[str, str]]:
    """Return one ``(from, to)`` pair of layer names per tensor passed between layers.

    A layer called twice (shared) appears as the target of two edges, and the layers fed
    by both of its calls as the target of two edges from it.
    """
    graph = _graph(model)
    names = {op.name for op in graph.operations}
    edges = []
    for op in graph.operations:
        for node in op._inbound_nodes:
            for tensor in node.input_tensors:
                source = tensor._keras_history.operation.name
                if source in names:
                    edges.append((source, op.name))
    return edges


def draw_graph(model: keras.Model, ax=None, title: str | None = None):
    """Draw *model*'s layers as boxes and the tensors between them as arrows, inputs on top.

    Inputs are blue, outputs green, a layer called more than once (shared) orange with
    its number of calls; a layer sits one row below the lowest layer that feeds it.

    Returns
    -------
    matplotlib.axes.Axes
        One box per layer (inputs included) and one arrow per edge of ``model_edges``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    graph = _graph(model)
    names = [op.name for op in graph.operations]
    kinds = {op.name: type(op).__name__ for op in graph.operations}
    edges = model_edges(model)
    calls = {op.name: len(op._inbound_nodes) for op in graph.operations}
    outputs = {t._keras_history.operation.name for t in graph.outputs}
    depth = dict.fromkeys(names, 0)
    for _ in names:  # longest path from an input; the graph has no cycles
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    rows = max(depth.values()) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(3.5, 0.9 * rows + 0.6))
    width, height = 1.2, 0.62
    where = {}
    for level in range(rows):
        here = [n for n in names if depth[n] == level]
        for i, name in enumerate(here):
            where[name] = ((i - (len(here) - 1) / 2) * 1.4, -level)
    for name, (x, y) in where.items():
        shared = calls[name] > 1
        colour = (
            "#dbe9f6"
            if kinds[name] == "InputLayer"
            else "#fde0c5"
            if shared
            else "#e2f0d9"
            if name in outputs
            else "#f2f2f2"
        )
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.02",
                fc=colour,
                ec="#222222",
            )
        )
        kind = "Input" if kinds[name] == "InputLayer" else kinds[name]
        detail = f"shared, {calls[name]} calls" if shared else kind
        ax.text(x, y + 0.11, name, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x, y - 0.14, detail, ha="center", va="center", fontsize=9)
    seen: dict[tuple[str, str], int] = {}
    for a, b in edges:
        k, m = seen.get((a, b), 0), edges.count((a, b))
        seen[(a, b)] = k + 1
        dx = 0.0 if m == 1 else 0.2 * (2 * k / (m - 1) - 1)  # side by side if repeated
        (xa, ya), (xb, yb) = where[a], where[b]
        ax.add_patch(
            FancyArrowPatch(
                (xa + dx, ya - height / 2),
                (xb + dx, yb + height / 2),
                arrowstyle="-|>",
                mutation_scale=11,
                lw=1.1,
                color="#444444",
            )
        )
    span = max(abs(x) for x, _ in where.values()) + width / 2 + 0.05
    ax.set(xlim=(-span, span), ylim=(-rows + 1 - height / 2 - 0.1, height / 2 + 0.1))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax
