"""Chapter *Convolutional Neural Networks*: the seed's CIFAR-10 network, fixed and inspected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings. The notes train 10 epochs on all 50 000 images; on the book's
#: 2 shared CPU cores that takes about ten minutes, so ``full`` trains on a stratified
#: subset with the notes' batches and learning rate (measured on this subset, one seed
#: each, at the same number of epochs: batches of 64 or 128 and a cosine-decayed rate all
#: ended lower on validation). ``plateau_epochs`` is how far back the page looks to say
#: whether validation accuracy has stopped rising.
SETTINGS = freeze(
    {
        "full": {
            "train_size": 6_000,
            "val_size": 1_000,
            "test_size": 3_000,
            "epochs": 7,
            "batch_size": 32,
            "plateau_epochs": 2,
            "exercise_size": 1_000,
            "exercise_epochs": 1,
        },
        "quick": {
            "train_size": 800,
            "val_size": 200,
            "test_size": 400,
            "epochs": 4,
            "batch_size": 32,
            "plateau_epochs": 2,
            "exercise_size": 800,
            "exercise_epochs": 1,
        },
    }
)

#: What the notes run: ``fit`` on all 50 000 training images for 10 epochs (Keras' default
#: batch of 32), then ``evaluate`` on all 10 000 test images, on the real CIFAR-10.
NOTES = {
    "train_size": 50_000,
    "test_size": 10_000,
    "epochs": 10,
    "batch_size": 32,
    "learning_rate": 0.001,  # optimizer="adam": Keras' default, constant
}

#: The notes' model and compile call, verbatim (the loss is wrong for integer labels).
SEED_CNN_CODE = """\
model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(32, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)),
    tf.keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
    tf.keras.layers.Conv2D(64, (3, 3), padding='same', activation='relu'),
    tf.keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=10)
"""


def prepare(
    x: np.ndarray, y: np.ndarray, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Scale uint8 images to float32 in [0, 1], flatten labels; optionally subsample.

    Parameters
    ----------
    x : ndarray, shape (n, 32, 32, 3), uint8
    y : ndarray, shape (n, 1) or (n,)
        Integer class labels, as ``keras.datasets.cifar10.load_data()`` returns them.
    size : int, optional
        Keep a stratified random subset of this many examples (all if ``None``).

    Returns
    -------
    x : ndarray, shape (size, 32, 32, 3), float32
    y : ndarray, shape (size,), int64
    """
    y = np.asarray(y).reshape(-1)
    if x.ndim != 4 or len(x) != len(y):
        shapes = f"{x.shape} and {y.shape}"
        raise ValueError(f"expected images (n, h, w, c) and n labels, got {shapes}")
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


def run_seed_code(x: np.ndarray, y: np.ndarray, code: str = SEED_CNN_CODE) -> str:
    """Run the notes' CNN code (one epoch) on *x*, *y*; return the error, or ``"no error"``.

    Parameters
    ----------
    x : ndarray, shape (n, 32, 32, 3)
    y : ndarray, shape (n, 1)
        Integer labels, as the notes pass them.
    """
    import warnings

    import tensorflow as tf

    code = code.replace("epochs=10)", "epochs=1, verbose=0)")
    with warnings.catch_warnings():  # the notes' input_shape= form warns in Keras 3
        warnings.simplefilter("ignore")
        return run_notes_code(code, {"tf": tf, "x_train": x, "y_train": y}, first_line=True)


def build_cnn(
    n_classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    loss: str = "sparse_categorical_crossentropy",
) -> keras.Model:
    """Build the notes' CNN, compiled: conv → pool → conv → pool → dense → softmax.

    The convolutions have 32 and 64 filters, the hidden dense layer 128 units.
    ``sparse_categorical_crossentropy`` takes integer labels ``(n,)``; pass
    ``loss="categorical_crossentropy"`` only with one-hot labels ``(n, n_classes)``.
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), strides=(2, 2), name="pool1"),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), strides=(2, 2), name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name="seed_cnn",
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def split_validation(
    x: np.ndarray, y: np.ndarray, size: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a stratified validation split of *size* examples.

    Returns ``x, y, x_val, y_val``.
    """
    from sklearn.model_selection import train_test_split

    x, x_val, y, y_val = train_test_split(
        x,
        y,
        test_size=size,
        stratify=y,
        random_state=seed,
    )
    return x, y, x_val, y_val


def record_correct(x: np.ndarray, y: np.ndarray):
    """Return a callback that records which examples the model gets right, every epoch.

    Its ``by_epoch`` list holds one boolean array ``(n,)`` per epoch, what
    ``mlbook.verdict.compare_paired`` compares.
    """
    import keras

    from mlbook.training import correct

    class RecordCorrect(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.by_epoch = []

        def on_epoch_end(self, epoch, logs=None):
            self.by_epoch.append(correct(self.model, x, y))

    return RecordCorrect()


def plateau_verdict(by_epoch: Sequence[np.ndarray], lookback: int = 2):
    """Compare the last epoch with *lookback* epochs before, on the same examples.

    "ties with" means no change beyond the noise over the last *lookback* epochs (a
    plateau); "beats" means still rising; "loses to", falling.
    """
    from mlbook.verdict import compare_paired

    if len(by_epoch) <= lookback:
        raise ValueError(f"need more than {lookback} epochs, got {len(by_epoch)}")
    last, earlier = by_epoch[-1], by_epoch[-1 - lookback]
    return compare_paired(last, earlier, unit="validation images")


def layer_counts(model: keras.Model) -> dict[str, int]:
    """Count a model's layers: all of them, and those with trainable weights."""
    return {
        "layers": len(model.layers),
        "with_weights": sum(1 for layer in model.layers if layer.trainable_weights),
    }


def feature_maps(
    model: keras.Model,
    image: np.ndarray,
    layer: str = "conv1",
) -> np.ndarray:
    """Activations of one layer for one image.

    Parameters
    ----------
    image : ndarray, shape (32, 32, 3), float32

    Returns
    -------
    ndarray, shape (h, w, channels)
        e.g. ``(32, 32, 32)`` for ``conv1``.
    """
    import keras

    probe = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return np.asarray(probe(image[None], training=False))[0]


def explore_filters(
    model: keras.Model, image: np.ndarray, *, layer="conv1", n_max=16, title="image"
):
    """Frames for an explorable figure: one first-layer filter and its feature map each.

    Each frame shows *image*, the weights of one filter of *layer* (a ``k × k`` panel
    per colour channel) and the filter's feature map on *image*, the layer's output
    after ReLU (:func:`feature_maps`). Colours mean the same in every frame: weights on
    one scale symmetric about zero (blue negative, red positive), maps from 0 to the
    largest value of all the maps shown. All frames have one size (7 x 2.9 inches,
    ``layout="constrained"``), for :func:`mlbook.explorable.frames_player`.

    Parameters
    ----------
    model : keras.Model
        A model whose *layer* is a ``Conv2D`` that reads the image (its first layer).
    image : ndarray, shape (h, w, channels), float32
    layer : str
        The layer's name.
    n_max : int
        Show the first *n_max* filters (all of them if there are fewer).
    title : str
        The image's title in the figure.

    Returns
    -------
    frames : list of matplotlib.figure.Figure, length n = min(filters, n_max)
        One per filter.
    rows : list of dict, length n
        One per filter: ``index`` (Keras' index, from 0), ``w_min`` and ``w_max`` (its
        smallest and largest weight), ``active`` (the share of the map's pixels above
        zero) and ``mean`` (the map's mean activation).
    """
    import matplotlib.pyplot as plt

    kernel = model.get_layer(layer).kernel.numpy()  # (kh, kw, channels, filters)
    n = min(kernel.shape[-1], n_max)
    kernel = kernel[..., :n]
    maps = feature_maps(model, image, layer)[..., :n]  # (h, w, n), after ReLU
    w_lim = float(np.abs(kernel).max()) or 1.0  # one scale for every frame
    m_max = float(maps.max()) or 1.0
    n_in = kernel.shape[2]
    if n_in not in (1, 3):
        raise ValueError(f"{layer} must read a grey or colour image, not {n_in} maps")
    rgb = n_in == 3
    channels = ["red", "green", "blue"] if rgb else ["channel"]  # colour or grey
    frames, rows = [], []
    for f in range(n):
        w, m = kernel[..., f], maps[..., f]
        rows.append(
            {
                "index": f,
                "w_min": float(w.min()),
                "w_max": float(w.max()),
                "active": float((m > 0).mean()),
                "mean": float(m.mean()),
            }
        )
        grid = [["image", c, "map"] for c in channels]
        fig, ax = plt.subplot_mosaic(
            grid, figsize=(7, 2.9), layout="constrained", width_ratios=[3, 1.2, 3]
        )
        ax["image"].imshow(np.clip(image, 0, 1) if rgb else image[..., 0], cmap="gray")
        ax["image"].set_title(title, fontsize=10)
        for c, name in enumerate(channels):
            w_im = ax[name].imshow(w[..., c], cmap="RdBu_r", vmin=-w_lim, vmax=w_lim)
            ax[name].set_ylabel(name, fontsize=9)
        ax[channels[0]].set_title("weights", fontsize=10)
        bar = fig.colorbar(w_im, ax=[ax[c] for c in channels], aspect=12)
        bar.set_label("weight: blue −, red +", fontsize=9)
        m_im = ax["map"].imshow(m, cmap="magma", vmin=0, vmax=m_max)
        ax["map"].set_title("feature map (after ReLU)", fontsize=10)
        bar = fig.colorbar(m_im, ax=ax["map"])
        bar.set_label("activation, 0 = off", fontsize=9)
        for a in ax.values():
            a.set(xticks=[], yticks=[])
            a.grid(False)
        fig.suptitle(f"{layer}, filter {f + 1} of {model.get_layer(layer).filters}")
        frames.append(fig)
    return frames, rows


def filters_as_images(kernel: np.ndarray) -> np.ndarray:
    """Turn first-layer kernels ``(kh, kw, 3, n)`` into RGB images ``(n, kh, kw, 3)``.

    The values are in [0, 1]: each filter is scaled on its own to the full range, so
    its *pattern* shows.
    """
    k = np.moveaxis(np.asarray(kernel, dtype=np.float64), -1, 0)
    lo = k.min(axis=(1, 2, 3), keepdims=True)
    hi = k.max(axis=(1, 2, 3), keepdims=True)
    return (k - lo) / np.where(hi > lo, hi - lo, 1.0)


def ramp_filters(kernel: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Find the first-layer filters that are mostly a ramp (contrast detectors).

    Each filter's weights are summed over the colour channels (its response to a grey
    image) and fitted by a plane ``a + b·row + c·col`` by least squares; a filter is a
    *ramp* when that plane explains more than *threshold* of the weights' variance.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, channels, n)

    Returns
    -------
    ndarray, shape (n,), bool
    """
    k = np.asarray(kernel, dtype=np.float64).sum(axis=2)  # (kh, kw, n)
    kh, kw, n = k.shape
    rows, cols = np.mgrid[0:kh, 0:kw]
    design = np.c_[np.ones(kh * kw), rows.ravel(), cols.ravel()]
    values = k.reshape(kh * kw, n)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    residual = ((values - design @ coef) ** 2).sum(axis=0)
    total = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    explained = 1.0 - residual / np.where(total > 0, total, 1.0)
    return (total > 0) & (explained > threshold)


def mosaic(images: np.ndarray, ncols: int = 8, pad: int = 1) -> np.ndarray:
    """Tile images ``(n, h, w, 3)`` into one image with white gaps, ``(rows*(h+pad)-pad, ...)``."""
    n, h, w, c = images.shape
    nrows = -(-n // ncols)
    out = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c))
    for i, img in enumerate(images):
        r, q = divmod(i, ncols)
        out[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = img
    return out


def per_class_accuracy(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int = 10,
) -> np.ndarray:
    """Accuracy (recall) for each class, shape ``(n_classes,)``."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    counts = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    return hits / np.maximum(counts, 1)


def class_against_rest(y_true: np.ndarray, y_pred: np.ndarray, cls: int):
    """Compare one class's accuracy with that of all the other classes' examples.

    Returns a ``mlbook.verdict.Verdict`` of the class against the rest (unpaired: the
    two groups are different examples).
    """
    from mlbook.verdict import compare_accuracies

    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    right, mine = y_true == y_pred, y_true == cls
    return compare_accuracies(
        float(right[mine].mean()),
        float(right[~mine].mean()),
        n=int(mine.sum()),
        n_b=int((~mine).sum()),
    )


def most_confused(
    y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str], k: int = 3
) -> list[tuple[str, str, int]]:
    """List the *k* commonest confusions as ``(true name, predicted name, count)``."""
    n = len(names)
    cm = np.zeros((n, n), int)
    np.add.at(cm, (np.ravel(y_true), np.ravel(y_pred)), 1)
    np.fill_diagonal(cm, 0)
    flat = np.argsort(-cm, axis=None, kind="stable")[:k]
    pairs = zip(*np.unravel_index(flat, cm.shape))
    return [(names[i], names[j], int(cm[i, j])) for i, j in pairs]


def class_names(source: str) -> tuple[str, ...]:
    """Return the class names of a dataset loaded by :func:`mlbook.data.load_cifar10`."""
    from mlbook import data

    return data.CIFAR10_STAND_IN_CLASSES if is_stand_in(source) else data.CIFAR10_CLASSES


def is_stand_in(source: str) -> bool:
    """Return True when :func:`mlbook.data.load_cifar10` fell back to its stand-in."""
    return source.startswith("stand-in")


# --- the arithmetic of a convolution, and a picture of it ---------------------------


def conv_output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """Return the output size along one axis: ``(n + 2p - k) // s + 1``.

    The same formula holds for a convolution and for a pooling layer.

    *n* is the input size, *k* the kernel (or pooling window) size, *p* the zero padding
    on each side and *s* the stride.
    """
    return (n + 2 * p - k) // s + 1


def conv_params(k_h: int, k_w: int, c_in: int, filters: int) -> int:
    """Count a convolutional layer's weights.

    Each of the *filters* has a ``k_h × k_w × c_in`` kernel and one bias.
    """
    return (k_h * k_w * c_in + 1) * filters


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Compute a convolutional layer's sum by its definition (no activation).

    Parameters
    ----------
    x : ndarray, shape (height, width, channels)
        One image.
    w : ndarray, shape (k, k, channels, filters)
        The kernels (Keras' ``kernel``).
    b : ndarray, shape (filters,), optional
        The biases (zero if not given).

    Returns
    -------
    ndarray, shape (out_height, out_width, filters)
    """
    k, _, _, n_filters = w.shape
    b = np.zeros(n_filters) if b is None else b
    x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    out_h = conv_output_size(x.shape[0], k, 0, stride)  # x is already padded
    out_w = conv_output_size(x.shape[1], k, 0, stride)
    y = np.zeros((out_h, out_w, n_filters))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[i * stride : i * stride + k, j * stride : j * stride + k, :]
            y[i, j] = (patch[..., None] * w).sum(axis=(0, 1, 2)) + b
    return y


def layer_arithmetic(model: keras.Model):
    """Output size and weights of each convolution and pooling layer: formula vs Keras.

    Returns
    -------
    pandas.DataFrame
        One row per ``Conv2D`` / ``MaxPooling2D`` layer, indexed by name: the input size
        ``n``, window ``k``, padding ``p``, stride ``s``, the output size by
        ``conv_output_size`` and as Keras built it, the weights by
        ``conv_params`` and ``count_params()``.
    """
    import pandas as pd

    rows = {}
    n = int(model.inputs[0].shape[1])
    c_in = int(model.inputs[0].shape[-1])
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in ("Conv2D", "MaxPooling2D"):
            continue
        if kind == "Conv2D":
            k, s = layer.kernel_size[0], layer.strides[0]
            params = conv_params(*layer.kernel_size, c_in, layer.filters)
        else:
            k, s, params = layer.pool_size[0], layer.strides[0], 0
        p = (k - 1) // 2 if layer.padding == "same" else 0
        rows[layer.name] = {
            "n": n,
            "k": k,
            "p": p,
            "s": s,
            "size by formula": conv_output_size(n, k, p, s),
            "size in Keras": int(layer.output.shape[1]),
            "weights by formula": params,
            "weights in Keras": layer.count_params(),
        }
        n, c_in = int(layer.output.shape[1]), int(layer.output.shape[-1])
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("layer")


def draw_convolution(image: np.ndarray, kernel: np.ndarray, row: int, col: int, *, stride: int = 1):
    """Draw one step of a convolution: the window on the image, the kernel, the output cell.

    Three panels: the *image* (one channel, shape ``(n, n)``) with the ``k × k`` window
    of output cell (*row*, *col*) shaded, the *kernel* ``(k, k)``, and the output grid,
    where the cells computed before this one (in reading order) show their values and the
    current one is shaded. Shaded cells carry ``gid="window"`` (image) and
    ``gid="target"`` (output), so tests can count them.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image, kernel = np.asarray(image), np.asarray(kernel)
    n, k = image.shape[0], kernel.shape[0]
    out = conv2d(image[..., None], kernel[:, :, None, None], stride=stride)[..., 0]
    m = out.shape[0]
    fig, axes = plt.subplots(
        1, 3, figsize=(7, 3.1), gridspec_kw={"width_ratios": [n, k + 0.6, m + 0.6]}
    )

    def grid(ax, values, title, shaded=(), gid=None, colour="#fdd49e", show=None):
        size = values.shape[0]
        for i in range(size):
            for j in range(size):
                on = (i, j) in shaded
                ax.add_patch(
                    Rectangle(
                        (j, i),
                        1,
                        1,
                        facecolor=colour if on else "white",
                        edgecolor="0.35",
                        linewidth=1,
                        gid=gid if on else None,
                    )
                )
                if show is None or show(i, j):
                    ax.text(
                        j + 0.5, i + 0.5, f"{values[i, j]:g}", ha="center", va="center", fontsize=10
                    )
        ax.set(
            xlim=(-0.05, size + 0.05),
            ylim=(size + 0.05, -0.05),
            aspect="equal",
            xticks=[],
            yticks=[],
        )
        ax.set_title(title, fontsize=11)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.grid(False)

    top, left = row * stride, col * stride
    window = {(top + u, left + v) for u in range(k) for v in range(k)}
    grid(axes[0], image, f"image ({n} × {n})", window, "window")
    axes[0].add_patch(Rectangle((left, top), k, k, fill=False, edgecolor="tab:red", linewidth=2.5))
    grid(
        axes[1],
        kernel,
        f"kernel ({k} × {k})",
        {(u, v) for u in range(k) for v in range(k)},
        colour="#c6dbef",
    )
    done = row * m + col
    grid(
        axes[2],
        out,
        f"output ({m} × {m})",
        {(row, col)},
        "target",
        show=lambda i, j: i * m + j <= done,
    )
    axes[2].add_patch(Rectangle((col, row), 1, 1, fill=False, edgecolor="tab:red", linewidth=2.5))
    fig.suptitle(
        f"output[{row}, {col}] = sum of the {k * k} products of window and kernel"
        f" = {out[row, col]:g}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
