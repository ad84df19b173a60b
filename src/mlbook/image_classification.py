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
#: every few-shot model (the same budget whatever the number of labels); ``draws``:
#: random draws of the labelled examples per number of shots (both methods learn from
#: each draw); ``pool_size``: target images to draw the labels from (all if None; the quick
#: profile caps it to stay within Binder's memory);
#: ``family_batch``, ``family_repeats``: images per timed batch and timed calls when the
#: model families are measured.
SETTINGS = freeze(
    {
        "full": {
            "source_size": 10_000,
            "source_epochs": 3,
            "shots": (1, 10, 100),
            "head_steps": 200,
            "test_size": 2000,
            "pool_size": None,
            "draws": 5,
            "family_batch": 4,
            "family_repeats": 5,
        },
        "quick": {
            "source_size": 3000,
            "source_epochs": 1,
            "shots": (1, 10),
            "head_steps": 30,
            "test_size": 500,
            "pool_size": 3000,
            "draws": 2,
            "family_batch": 2,
            "family_repeats": 3,
        },
    }
)

SOURCE_DIGITS = (0, 1, 2, 3, 4)
#: The smallest difference of accuracy between two methods that would matter (2 points):
#: an interval wider than this on either side of zero is "cannot tell", not a tie.
MARGIN = 0.02
TARGET_DIGITS = (5, 6, 7, 8, 9)
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
    """Apply the notes' preprocessing: load, resize, add a batch axis, scale.

    The image is resized to *size* x *size* pixels (299 for InceptionV3).

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

    That is, if both are cached (hash-checked) or their server answers within *timeout*
    seconds (``mlbook.data.downloads``).
    """
    from mlbook.data import downloads

    return all(
        downloads.available(d, timeout=timeout)
        for d in (downloads.INCEPTION_V3, downloads.IMAGENET_CLASS_INDEX)
    )


def classify_photo(img_path: str | Path, top: int = 3):
    """Run the notes' example: InceptionV3 with ImageNet weights, top-*top* predictions.

    The weights and ImageNet's class index are downloaded once, hash-checked and
    cached (the files ``weights="imagenet"`` and ``decode_predictions`` would fetch).

    Returns
    -------
    list of (wordnet id, class name, probability)
    """
    import json

    from tensorflow.keras.applications import InceptionV3

    from mlbook.data import downloads

    model = InceptionV3(weights=str(downloads.fetch(downloads.INCEPTION_V3)))
    probs = model.predict(load_for_inception(img_path), verbose=0)[0]
    index = downloads.fetch(downloads.IMAGENET_CLASS_INDEX)
    names = json.loads(index.read_text())  # "class number" -> [wordnet id, name]
    best = np.argsort(probs)[::-1][:top]  # as decode_predictions does
    return [(*names[str(k)], float(probs[k])) for k in best]


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

    base = build_inception(
        weights,
        include_top=False,
        pooling="avg",
        input_shape=input_shape,
    )
    base.trainable = False
    inputs = keras.Input(shape=input_shape)
    features = base(inputs, training=False)  # keep batch-norm statistics frozen too
    outputs = keras.layers.Dense(n_classes, activation="softmax")(features)
    model = keras.Model(inputs, outputs, name="inception_transfer")
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
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
    images = x[keep].astype("float32")  # scaled in place: no float64 copy of the pool
    images /= 255.0
    return images[..., None], lookup[y[keep]].astype("int64")


def few_shot(x: np.ndarray, y: np.ndarray, per_class: int, seed: int = 0):
    """*per_class* random examples of every class: the few labels of the new task."""
    rng = np.random.default_rng(seed)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    )
    return x[idx], y[idx]


def build_base() -> keras.Model:
    """Build the convolutional base: 28 x 28 digit -> 1600 features (64 maps, 5 x 5)."""
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
    """Train base + a head (128 ReLU units, softmax) on the source task.

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


def accuracy(model, x: np.ndarray, y: np.ndarray, batch_size: int = 250) -> float:
    """Return the share of *x* classified as *y*, computed eagerly in chunks.

    There is no graph to trace, which matters when many small models are each scored once.
    """
    hits = 0
    for i in range(0, len(x), batch_size):
        proba = model(x[i : i + batch_size], training=False)
        hits += int((np.asarray(proba).argmax(axis=1) == y[i : i + batch_size]).sum())
    return hits / len(x)


def features(base, x: np.ndarray, batch_size: int = 250) -> np.ndarray:
    """Return the frozen *base*'s features of *x*, computed eagerly in chunks.

    A frozen base computes the same features at every training step, so they can be
    computed once per image and the head trained on them alone.
    """
    chunks = [
        np.asarray(base(x[i : i + batch_size], training=False))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(chunks)


def head_model(
    n_features: int,
    n_classes: int,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Build the head of ``with_head`` alone: a softmax layer on precomputed features.

    Compiled as ``with_head`` compiles, so it takes the same Adam steps.
    """
    import keras

    inputs = keras.Input(shape=(n_features,))
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="head")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def compare_transfer(
    base, x_target, y_target, x_test, y_test, *, shots, steps: int, draws: int
) -> list[dict]:
    """Score transfer and training from scratch on the same random draws of labels.

    Transfer trains a new head on the frozen base's features (computed once); scratch
    trains the same network from random weights. Draw *r* is one set of labelled
    examples, and both methods learn from it, with the same batches.

    Returns
    -------
    list of dict, one per number of shots and draw: ``shots`` (labels per class),
    ``draw``, ``transfer`` and ``scratch`` (test accuracy)
    """
    n_classes = int(y_target.max()) + 1
    z_test = features(base, x_test)
    rows = []
    for k in shots:
        for r in range(draws):
            xs, ys = few_shot(x_target, y_target, k, seed=r)  # one draw for both
            head = head_model(z_test.shape[1], n_classes)
            fit_steps(head, features(base, xs), ys, steps, seed=r)
            scratch = with_head(build_base(), n_classes)
            fit_steps(scratch, xs, ys, steps, seed=r)
            rows.append(
                {
                    "shots": k,
                    "draw": r,
                    "transfer": accuracy(head, z_test, y_test),
                    "scratch": accuracy(scratch, x_test, y_test),
                }
            )
    return rows


def paired_verdicts(rows: list[dict], margin: float | None = None) -> dict:
    """Return, per number of shots, transfer's verdict against scratch over the draws.

    Draw *r* of both methods used the same labelled examples, so the comparison is
    paired: ``compare_runs`` on the per-draw differences (Student *t*, 95 %).
    """
    from mlbook.verdict import compare_runs

    verdicts = {}
    for k in dict.fromkeys(r["shots"] for r in rows):
        draws = sorted((r for r in rows if r["shots"] == k), key=lambda r: r["draw"])
        verdicts[k] = compare_runs(
            [r["transfer"] for r in draws],
            [r["scratch"] for r in draws],
            paired=True,
            unit="draws",
            margin=margin,
        )
    return verdicts


def plot_transfer(rows: list[dict], *, ax=None, chance: float | None = None):
    """Plot test accuracy against labels per class: every draw a dot, means as lines.

    Transfer's dots stand a little left of each number of labels and scratch's a little
    right, so that they do not hide each other. The legend stands below the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
    shots = list(dict.fromkeys(r["shots"] for r in rows))
    methods = {
        "transfer": ("o", 0.9, "frozen pretrained base + new head"),
        "scratch": ("s", 1.1, "same network from scratch"),
    }
    for method, (marker, shift, label) in methods.items():
        dots = [(r["shots"] * shift, r[method]) for r in rows]
        means = [np.mean([r[method] for r in rows if r["shots"] == k]) for k in shots]
        line = ax.plot([k * shift for k in shots], means, marker=marker, label=label)[0]
        ax.scatter(*zip(*dots), s=14, marker=marker, color=line.get_color(), alpha=0.4)
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", label="chance")
    ax.set_xscale("log")
    ax.set(
        title="Learning the digits 5-9 from few labels",
        xlabel="labelled examples per class",
        ylabel="test accuracy",
        ylim=(0, 1),
        xlim=(min(shots) / 1.6, max(shots) * 1.6),
    )
    ax.set_xticks(shots, [str(s) for s in shots])
    ax.set_xticks([], minor=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, frameon=False)
    return ax


# --- what is frozen and what is trained ------------------------------------------------


def head_parameters(n_features: int, n_classes: int, hidden: int | None = None) -> int:
    """Count a head's weights by hand: d K + K for a softmax layer on d features.

    With a ReLU layer of *hidden* units first, add its d h + h weights (and the softmax
    then sees h features).
    """
    if hidden:
        return n_features * hidden + hidden + head_parameters(hidden, n_classes)
    return n_features * n_classes + n_classes


def n_trainable(model) -> int:
    """Return how many numbers training may change: the sizes of the trainable weights."""
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def weight_changes(model, train) -> dict[str, float]:
    """Call ``train()``; return, per layer of *model*, the largest change of a weight.

    A frozen layer's entry is exactly 0.
    """
    layers = [layer for layer in model.layers if layer.weights]
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in layers}
    train()
    return {
        layer.name: max(
            float(np.abs(new - old).max())
            for new, old in zip(layer.get_weights(), before[layer.name])
        )
        for layer in layers
    }


def fine_tune(
    model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    steps: int,
    learning_rate: float = 1e-4,
    seed: int = 0,
) -> None:
    """Unfreeze the base of a transfer model and train everything with a small step.

    The head should be trained first (on the frozen base), so that its first, large
    errors do not scramble the pretrained features.
    """
    import keras

    model.layers[1].trainable = True  # layers: input, base, head
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    fit_steps(model, x, y, steps, seed=seed)


def _base_blocks(base) -> list[str]:
    """Box labels for *base*: each convolution with the pooling after it, then flatten."""
    blocks: list[str] = []
    for layer in base.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            rows, cols = layer.kernel_size
            blocks.append(f"conv {rows}×{cols}\n{layer.filters} maps")
        elif kind.startswith("MaxPooling") and blocks:
            blocks[-1] += "\n+ max-pool"
        elif kind == "Flatten":
            blocks.append(f"flatten\n{int(layer.output.shape[-1]):,}\nfeatures")
    return blocks


def draw_transfer(
    base,
    *,
    source: str = "0–4",
    target: str = "5–9",
    n_classes: int = 5,
    hidden: int = 128,
    ax=None,
):
    """Draw transfer learning: pretrain base + head, then freeze the base, train a new head.

    The top row is the source model (every box trained; its dense head is left behind),
    the bottom row the transfer model: the same base, frozen (grey, hatched), and a new
    softmax head, trained. The boxes of the base are read from *base*'s layers. Boxes
    carry the gid ``"input"``, ``"trained"`` or ``"frozen"``, arrows ``"arrow"``.
    Returns ax.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.3))
    colours = {"input": "white", "trained": "#c6dbef", "frozen": "#e0e0e0"}
    width, gap, height = 1.75, 0.55, 1.5
    inputs = f"input\n{base.input_shape[1]}×{base.input_shape[2]}\ndigit"
    blocks = _base_blocks(base)
    source_head = [f"dense\n{hidden} ReLU", f"softmax\n{n_classes} digits\n{source}"]
    target_head = [f"softmax\n{n_classes} digits\n{target}"]

    def box(i, y, text, kind, dashed=False):
        x = i * (width + gap)
        patch = FancyBboxPatch(
            (x, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.15",
            facecolor=colours[kind],
            edgecolor="#333333",
            hatch="//" if kind == "frozen" else None,
            linestyle="--" if dashed else "-",
            linewidth=1.2,
            gid=kind,
        )
        ax.add_patch(patch)
        label = {"boxstyle": "round,pad=0.15", "facecolor": colours[kind], "edgecolor": "none"}
        ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=9, bbox=label)
        return x

    def arrow(start, end, **kw):
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=12,
                color="#333333",
                linewidth=1.2,
                gid="arrow",
                **kw,
            )
        )

    def row(y, labels, kinds, dashed=()):
        for i, (text, kind) in enumerate(zip(labels, kinds)):
            box(i, y, text, kind, dashed=i in dashed)
            if i:
                arrow((i * (width + gap) - gap, y), (i * (width + gap), y))

    top, bottom = 5.4, 1.7
    n_base = len(blocks)
    row(
        top,
        [inputs, *blocks, *source_head],
        ["input"] + ["trained"] * (n_base + 2),
        dashed=(n_base + 1, n_base + 2),
    )
    row(bottom, [inputs, *blocks, *target_head], ["input"] + ["frozen"] * n_base + ["trained"])
    step = width + gap
    ax.text(
        0,
        top + height / 2 + 0.35,
        f"1. Pretrain on the digits {source}: every weight learns",
        fontsize=11,
        va="bottom",
    )
    ax.text(
        0,
        bottom + height / 2 + 0.35,
        f"2. Transfer to the digits {target}: only the new head learns",
        fontsize=11,
        va="bottom",
    )
    head_x = (n_base + 1) * step
    ax.text(
        head_x + step - gap / 2,
        top + height / 2 + 0.35,
        "left behind",
        fontsize=9,
        ha="center",
        va="bottom",
        style="italic",
    )
    copy_x = n_base * step + width / 2
    arrow((copy_x, top - height / 2), (copy_x, bottom + height / 2 + 1.0), linestyle="--")
    ax.text(copy_x + 0.15, (top + bottom) / 2 + 0.3, "copy the\nweights", fontsize=9, va="center")
    ax.text(
        step + (n_base * step - gap) / 2,
        bottom - height / 2 - 0.25,
        r"$g_\varphi$: the base, frozen" "\n" "(trainable = False)",
        fontsize=10,
        ha="center",
        va="top",
    )
    ax.text(
        head_x + width / 2,
        bottom - height / 2 - 0.25,
        r"$h_\theta$: the new" "\n" "head, trained",
        fontsize=10,
        ha="center",
        va="top",
    )
    ax.legend(
        handles=[
            Patch(facecolor=colours["trained"], edgecolor="#333333", label="trained"),
            Patch(
                facecolor=colours["frozen"],
                edgecolor="#333333",
                hatch="//",
                label="frozen",
            ),
        ],
        loc="center left",
        bbox_to_anchor=((n_base + 2) * step, bottom),
        bbox_transform=ax.transData,
        fontsize=9,
        frameon=False,
    )
    ax.set(xlim=(-0.1, (n_base + 3) * step), ylim=(-0.6, top + height / 2 + 1.0))
    ax.set_axis_off()
    return ax


# --- the model families the notes name --------------------------------------------------

#: The families the notes name, as ``keras.applications`` builds them.
FAMILIES = ("InceptionV3", "ResNet50", "MobileNetV2")


def build_family(name: str, weights: str | None = None, **kwargs) -> keras.Model:
    """``keras.applications.<name>``; ``weights=None`` builds it with random weights."""
    import keras

    return getattr(keras.applications, name)(weights=weights, **kwargs)


def measure_model(
    model,
    *,
    batch_size: int = 4,
    repeats: int = 3,
    seed: int = 0,
    runs: bool = False,
) -> dict:
    """Measure what a model costs: its parameters, its size on disk, its time per image.

    The size is that of its weights saved to a temporary ``.weights.h5`` file. The time
    is for one forward pass, compiled as a TensorFlow graph, on *batch_size* random
    images at the model's own input size: one warm-up call (which builds the graph),
    then the median of *repeats* calls, divided by *batch_size*.

    Returns
    -------
    dict with ``input_px`` (input height), ``params``, ``disk_mb`` and ``ms_per_image``;
    with *runs*, also ``ms_per_image_runs``: every timed call's time per image
    """
    import statistics
    import tempfile
    import time

    import tensorflow as tf

    shape = tuple(model.input_shape[1:])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.weights.h5"
        model.save_weights(path)
        disk = path.stat().st_size
    x = np.random.default_rng(seed).uniform(-1, 1, (batch_size, *shape))
    x = x.astype("float32")
    forward = tf.function(lambda batch: model(batch, training=False))
    forward(x)  # warm-up: builds the graph
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        forward(x).numpy()
        times.append(time.perf_counter() - start)
    result = {
        "input_px": int(shape[0]),
        "params": int(model.count_params()),
        "disk_mb": disk / 1e6,
        "ms_per_image": 1000 * statistics.median(times) / batch_size,
    }
    if runs:
        result["ms_per_image_runs"] = tuple(1000 * t / batch_size for t in times)
    return result


def plot_families(table, *, ax=None):
    """CPU time per image against parameters, one labelled point per family; returns ax.

    *table* is a DataFrame indexed by family name with the columns ``params``,
    ``ms_per_image`` and ``disk_mb`` (one row per :func:`measure_model` result). The
    labels stand in a column right of every point, in the order of the points' times,
    pushed apart where two would touch, each joined to its point by a thin line.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4))
    x = table["params"].to_numpy() / 1e6
    y = table["ms_per_image"].to_numpy()
    ax.scatter(x, y, s=50, zorder=3)
    y_top = 1.3 * y.max()
    ax.set(
        title="Size and speed of the model families",
        xlabel="parameters (millions)",
        ylabel="CPU time per image (ms)",
        xlim=(0, 1.7 * x.max()),
        ylim=(0, y_top),
    )
    gap = 0.1 * y_top  # a line of text and a little more
    label_y = -np.inf
    for i in np.argsort(y, kind="stable"):
        label_y = max(y[i], label_y + gap)
        ax.plot([x[i], 1.1 * x.max()], [y[i], label_y], color="grey", linewidth=0.8)
        ax.text(
            1.12 * x.max(),
            label_y,
            f"{table.index[i]}, {table['disk_mb'].iloc[i]:.0f} MB",
            va="center",
            fontsize=9,
        )
    return ax
