"""Chapter *Recurrent Neural Networks*: MNIST read row by row, SimpleRNN / LSTM / GRU.

Also forecasting a noisy periodic signal.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from mlbook import training
from mlbook.deep_learning import prepare
from mlbook.notes import run_notes_code
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings. The notes train an LSTM of 128 units for 10 epochs on all 60 000
#: images; on the book's 2 shared CPU cores that alone takes several minutes (the page
#: measures it), and the chapter trains three cell types, so ``full`` keeps the 128 units
#: but uses a subset and fewer epochs (the page shows both settings side by side).
SETTINGS = freeze(
    {
        "full": {
            "train_size": 15_000,
            "test_size": 5_000,
            "epochs": 4,
            "batch_size": 64,
            "units": 128,
            "signal_length": 2_400,
            "window": 48,
            "forecast_units": 32,
            "forecast_epochs": 10,
        },
        "quick": {
            "train_size": 500,
            "test_size": 300,
            "epochs": 1,
            "batch_size": 64,
            "units": 32,
            "signal_length": 800,
            "window": 48,
            "forecast_units": 16,
            "forecast_epochs": 1,
        },
    }
)

#: The notes' model, verbatim.
SEED_RNN_CODE = """\
model = tf.keras.models.Sequential([
    tf.keras.layers.Embedding(784, 128),
    tf.keras.layers.LSTM(128),
    tf.keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=10)
"""

CELLS = ("SimpleRNN", "LSTM", "GRU")


def run_seed_code(x: np.ndarray, y: np.ndarray, code: str = SEED_RNN_CODE) -> str:
    """Run the notes' RNN code (one epoch) on images *x* ``(n, 28, 28)`` in [0, 1].

    Returns the error it raises as ``"Type: first line of the message"``, or ``"no error"``.
    """
    import tensorflow as tf

    code = code.replace("epochs=10)", "epochs=1, verbose=0)")
    return run_notes_code(code, {"tf": tf, "x_train": x, "y_train": y}, first_line=True)


def as_sequences(
    x: np.ndarray, y: np.ndarray, size: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Read MNIST images as sequences of 28 steps (rows) of 28 pixels, in [0, 1].

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8
    y : ndarray, shape (n,)
    size : int, optional
        Keep a stratified random subset of this many images (all if ``None``).

    Returns
    -------
    x : ndarray, shape (size, 28, 28), float32, axis 1 is time
    y : ndarray, shape (size,), int64
    """
    # the scaled images already are sequences: axis 1 (rows) is read as time
    return prepare(x, y, size, seed)


def build_rnn(
    kind: str = "LSTM",
    units: int = 128,
    n_classes: int = 10,
    steps: int = 28,
    features: int = 28,
) -> keras.Model:
    """Build a recurrent classifier: ``(steps, features)`` → recurrent layer → softmax.

    ``kind`` is ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``. The recurrent layer returns
    its last hidden state, a vector of ``units`` numbers summarising the whole sequence.
    """
    import keras
    from keras import layers

    if kind not in CELLS:
        raise ValueError(f"kind must be one of {CELLS}, got {kind!r}")
    model = keras.Sequential(
        [
            keras.Input(shape=(steps, features)),
            getattr(layers, kind)(units, name="recurrent"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name=f"mnist_{kind.lower()}",
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fit_and_score(
    kind: str,
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    units: int,
    epochs: int,
    batch_size: int,
    verbose: int = 0,
) -> tuple[keras.Model, dict]:
    """Build, train and test one classifier; time its training.

    Returns
    -------
    model : the trained model
    row : dict
        ``kind``, ``params``, ``seconds`` (wall-clock training time on this machine) and
        ``accuracy`` (on ``x_test``), for the comparison table.
    """
    model = build_rnn(kind, units=units)
    t0 = time.perf_counter()
    training.train(model, x, y, epochs=epochs, batch_size=batch_size, verbose=verbose)
    seconds = time.perf_counter() - t0
    accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
    return model, {
        "kind": kind,
        "params": model.count_params(),
        "seconds": seconds,
        "accuracy": accuracy,
    }


def simple_rnn_states(
    x: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Run a simple RNN one step at a time: ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Parameters
    ----------
    x : ndarray, shape (steps, features)
        One sequence.
    W : ndarray, shape (features, units)
        Input weights (Keras' ``kernel``).
    U : ndarray, shape (units, units)
        Recurrent weights (Keras' ``recurrent_kernel``).
    b : ndarray, shape (units,)

    Returns
    -------
    ndarray, shape (steps, units)
        The hidden state after each step; the last row is what the layer outputs.
    """
    h = np.zeros(W.shape[1])
    states = []
    for x_t in x:
        h = np.tanh(x_t @ W + h @ U + b)
        states.append(h)
    return np.array(states)


def stepwise_proba(model: keras.Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states and class probabilities after each step of one sequence.

    A copy of the trained recurrent layer that returns its whole sequence of states is
    fed *x*; the model's output layer is applied to every state, as if the sequence
    stopped there.

    Parameters
    ----------
    x : ndarray, shape (steps, features)

    Returns
    -------
    states : ndarray, shape (steps, units)
    proba : ndarray, shape (steps, n_classes)
    """
    import keras

    layer = model.get_layer("recurrent")
    seq = type(layer).from_config(
        {**layer.get_config(), "return_sequences": True, "name": "recurrent_sequence"}
    )
    inputs = keras.Input(shape=x.shape)
    seq_model = keras.Model(inputs, seq(inputs))
    seq.set_weights(layer.get_weights())
    states = np.asarray(seq_model(x[None].astype("float32"), training=False))[0]
    proba = np.asarray(model.get_layer("output")(states))
    return states, proba


# --- a genuine sequence task: forecasting a noisy periodic signal ------------------


def make_signal(n: int, noise: float = 0.2, seed: int = 0) -> np.ndarray:
    """Make a noisy periodic series of *n* values, shape ``(n,)``.

    The series is ``sin(2πt/24) + 0.5 sin(2πt/8) + noise``. The clean part repeats
    every 24 steps (think: hours of a day); the Gaussian noise of standard deviation
    *noise* cannot be predicted by any model.
    """
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    clean = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 8)
    return (clean + noise * rng.standard_normal(n)).astype("float32")


def make_windows(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Supervised pairs from a series: each *window* of past values → the next value.

    Returns
    -------
    X : ndarray, shape (n - window, window, 1)
    y : ndarray, shape (n - window,)
    """
    idx = np.arange(window)[None, :] + np.arange(len(series) - window)[:, None]
    return series[idx][..., None].astype("float32"), series[window:].astype("float32")


def build_forecaster(kind: str = "LSTM", units: int = 32, window: int = 48) -> keras.Model:
    """Build a recurrent regressor: ``(window, 1)`` past values → the next value (MSE loss)."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(window, 1)),
            getattr(layers, kind)(units, name="recurrent"),
            layers.Dense(1, name="output"),
        ],
        name=f"forecaster_{kind.lower()}",
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def baseline_mse(X: np.ndarray, y: np.ndarray, period: int = 24) -> dict[str, float]:
    """Mean squared errors of two forecasts that learn nothing.

    ``last value``: tomorrow is like today. ``one period ago``: the value *period* steps
    before the target (the window must be at least *period* long).
    """
    last = X[:, -1, 0]
    seasonal = X[:, -period, 0]
    return {
        "last value": float(np.mean((y - last) ** 2)),
        "one period ago": float(np.mean((y - seasonal) ** 2)),
    }


def forecast_recursive(
    model: keras.Model,
    history: np.ndarray,
    steps: int,
) -> np.ndarray:
    """Forecast *steps* values ahead, feeding each prediction back as the newest input.

    Parameters
    ----------
    history : ndarray, shape (window,)
        The last observed values.

    Returns
    -------
    ndarray, shape (steps,)
    """
    import tensorflow as tf

    step = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    window = np.asarray(history, dtype="float32").copy()
    out = np.empty(steps, dtype="float32")
    for i in range(steps):
        out[i] = float(step(tf.constant(window[None, :, None]))[0, 0])
        window = np.append(window[1:], out[i])
    return out


# --- inside the cells: one LSTM step, the gradient through time, two pictures --------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Return the logistic function ``1 / (1 + exp(-z))``, elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step(
    x_t: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Compute one step of an LSTM cell from its gate equations.

    Parameters
    ----------
    x_t : ndarray, shape (features,)
    h, c : ndarray, shape (units,)
        The hidden state and the cell state after the previous step.
    W : ndarray, shape (features, 4 * units)
        Input weights of the four layers side by side, in Keras' order: input gate,
        forget gate, candidate, output gate (Keras' ``kernel``).
    U : ndarray, shape (units, 4 * units)
        Recurrent weights, same order (Keras' ``recurrent_kernel``).
    b : ndarray, shape (4 * units,)

    Returns
    -------
    h, c : ndarray, shape (units,)
        The new hidden state and cell state.
    """
    z = x_t @ W + h @ U + b
    z_i, z_f, z_g, z_o = np.split(z, 4)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)  # gates, between 0 and 1
    g = np.tanh(z_g)  # candidate values, between -1 and 1
    c = f * c + i * g  # forget part of the old cell, write part of the candidate
    h = o * np.tanh(c)  # show part of the cell
    return h, c


def gradient_norms(
    x: np.ndarray,
    W: np.ndarray,
    U: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Size of ``∂h_T/∂h_t`` in a simple RNN, for every earlier step *t*.

    The Jacobian of one step ``h_k = tanh(x_k W + h_{k-1} U + b)`` is
    ``diag(1 - h_k²) Uᵀ``; the gradient from the last state back to ``h_t`` is the
    product of the Jacobians of the steps in between.

    Parameters
    ----------
    x : ndarray, shape (steps, features)
    W, U, b : the weights, as for ``simple_rnn_states``

    Returns
    -------
    ndarray, shape (steps,)
        Element ``j`` is the spectral norm of ``∂h_T/∂h_{T-1-j}``, ``j + 1`` steps back
        from the last state, down to ``h_0``.
    """
    states = simple_rnn_states(x, W, U, b)
    n_units = U.shape[0]
    product = np.eye(n_units)
    norms = []
    for h_k in states[::-1]:  # from the last step backwards
        product = product @ (np.diag(1.0 - h_k**2) @ U.T)
        norms.append(np.linalg.norm(product, ord=2))
    return np.array(norms)


def _box(ax, xy, width, height, text, *, colour, gid, fontsize=10, rounded=True):
    from matplotlib.patches import FancyBboxPatch

    x, y = xy
    style = "round,pad=0.02,rounding_size=0.15" if rounded else "square,pad=0.02"
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle=style,
            facecolor=colour,
            edgecolor="0.2",
            linewidth=1.2,
            gid=gid,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, *, colour="0.15", style="-|>", lw=1.4, connection=None):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=colour,
            linewidth=lw,
            connectionstyle=connection,
            gid="arrow",
        )
    )


def draw_unrolled_rnn(steps: int = 4, *, ax=None):
    """Draw a recurrent layer unrolled over *steps* time steps; return the axes.

    One box per step (``gid="cell"``), the same weights in each; arrows (``gid="arrow"``)
    carry each input ``x_t`` up into its step (weights ``W``), the state ``h_{t-1}`` from
    one step to the next (weights ``U``), and each new state ``h_t`` up as the step's
    output: ``3 * steps`` arrows in all.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.9))
    gap = 2.2
    for t in range(1, steps + 1):
        x = gap * t
        _box(ax, (x, 2), 1.2, 0.9, "tanh", colour="#c6dbef", gid="cell", fontsize=11)
        _arrow(ax, (x, 0.55), (x, 1.5))
        ax.text(x, 0.3, f"$x_{t}$", ha="center", va="center", fontsize=12)
        ax.text(x + 0.12, 1.02, "$W$", ha="left", va="center", fontsize=10, color="0.3")
        _arrow(ax, (x, 2.5), (x, 3.35))
        ax.text(x, 3.6, f"$h_{t}$", ha="center", va="center", fontsize=12)
        _arrow(ax, (x - gap + 0.65, 2), (x - 0.65, 2))
        ax.text(x - gap / 2, 2.2, "$U$", ha="center", va="bottom", fontsize=10, color="0.3")
    ax.text(gap - 1.65, 2, "$h_0 = 0$", ha="right", va="center", fontsize=12)
    ax.set(xlim=(-0.4, gap * steps + 1), ylim=(0, 4), aspect="equal")
    ax.axis("off")
    ax.set_title(
        f"One cell unrolled over {steps} steps: the same W, U, b at every step", fontsize=11
    )
    return ax


def draw_lstm_cell(*, ax=None):
    """Draw one LSTM cell with its gates; return the axes.

    Four layer boxes (``gid="layer"``: the forget, input and output gates, sigmoid, and the
    candidate, tanh) read ``[h_{t-1}, x_t]``; five pointwise operations (``gid="op"``:
    three products, a sum and a tanh) combine them with the cell state, which runs along
    the top from ``c_{t-1}`` to ``c_t``. Arrows carry ``gid="arrow"``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.7))
    layer_colour, op_colour = "#fdd49e", "#e5f5e0"
    y_c, y_gate, y_bus, y_out = 5.0, 2.2, 0.9, 3.5
    gates = {  # key: (x, activation, name, symbol)
        "f": (2.0, "σ", "forget", "f_t"),
        "i": (3.85, "σ", "input", "i_t"),
        "g": (5.7, "tanh", "candidate", "g_t"),
        "o": (7.55, "σ", "output", "o_t"),
    }
    for x, act, name, symbol in gates.values():
        text = f"{name}\n{act} → ${symbol}$"
        _box(ax, (x, y_gate), 1.6, 0.95, text, colour=layer_colour, gid="layer", fontsize=9.5)
        _arrow(ax, (x, y_bus), (x, y_gate - 0.5))
    # the input bus: [h_{t-1}, x_t] feeds all four layers
    ax.plot([0.6, gates["o"][0]], [y_bus, y_bus], color="0.15", linewidth=1.4)
    ax.text(0.5, y_bus, "$h_{t-1}$, $x_t$", ha="right", va="center", fontsize=11)
    # the cell state along the top
    x_f, x_g, x_o = gates["f"][0], gates["g"][0], 9.2
    ops = {
        "times_f": (x_f, y_c, "×"),
        "plus": (x_g, y_c, "+"),
        "times_i": (x_g, y_out, "×"),
        "tanh_c": (x_o, y_out + 0.45, "tanh"),
        "times_o": (x_o, y_gate, "×"),
    }
    for x, y, text in ops.values():
        width = 0.95 if text == "tanh" else 0.55
        _box(ax, (x, y), width, 0.5, text, colour=op_colour, gid="op", fontsize=11)
    ax.text(0.5, y_c, "$c_{t-1}$", ha="right", va="center", fontsize=11)
    _arrow(ax, (0.6, y_c), (x_f - 0.32, y_c))  # c_{t-1} -> x f
    _arrow(ax, (x_f, y_gate + 0.5), (x_f, y_c - 0.28))  # f -> x
    _arrow(ax, (x_f + 0.32, y_c), (x_g - 0.32, y_c))  # f c_{t-1} -> +
    _arrow(
        ax,
        (gates["i"][0], y_gate + 0.5),
        (x_g - 0.32, y_out),
        connection="angle,angleA=90,angleB=180,rad=0",
    )
    _arrow(ax, (x_g, y_gate + 0.5), (x_g, y_out - 0.28))  # g -> x i
    _arrow(ax, (x_g, y_out + 0.28), (x_g, y_c - 0.28))  # i g -> +
    _arrow(ax, (x_g + 0.32, y_c), (10.2, y_c))  # + -> c_t
    ax.text(10.3, y_c, "$c_t$", ha="left", va="center", fontsize=11)
    _arrow(ax, (x_o, y_c), (x_o, y_out + 0.72))  # c_t -> tanh
    _arrow(ax, (x_o, y_out + 0.18), (x_o, y_gate + 0.28))  # tanh -> x o
    _arrow(ax, (gates["o"][0] + 0.8, y_gate), (x_o - 0.32, y_gate))  # o -> x
    _arrow(ax, (x_o + 0.32, y_gate), (10.2, y_gate))  # x -> h_t
    ax.text(10.3, y_gate, "$h_t$", ha="left", va="center", fontsize=11)
    ax.set(xlim=(-0.9, 11.0), ylim=(0.6, 5.4), aspect="equal")
    ax.axis("off")
    ax.set_title("An LSTM cell: three gates and a candidate, one cell state", fontsize=11)
    return ax


def explore_steps(image, states, proba, *, label, steps, units=32):
    """Frames for an explorable figure: digit, state and answer after each row read.

    Frame *t* shows *image* with the rows not yet read greyed out, the hidden state
    after each row read so far (first *units* units; rows not read yet in grey) and
    the class probabilities after row *t*, the true digit's bar in orange. Colours and
    axes mean the same in every frame: one state scale symmetric about zero (blue
    negative, red positive), probabilities from 0 to 1. All frames have one size (7 x
    3.4 inches, ``layout="constrained"``), for :func:`mlbook.explorable.frames_player`.

    Parameters
    ----------
    image : ndarray, shape (n_steps, features)
        The sequence read, one row per time step (a digit in [0, 1]).
    states : ndarray, shape (n_steps, n_units)
        The hidden state after each row (:func:`stepwise_proba`).
    proba : ndarray, shape (n_steps, n_classes)
        The class probabilities after each row.
    label : int
        The true class.
    steps : sequence of int
        Numbers of rows read, one frame each, from 1 to n_steps.
    units : int
        Show the first *units* units of the state (all if there are fewer).

    Returns
    -------
    frames : list of matplotlib.figure.Figure, one per step
    rows : list of dict, one per step
        ``rows_read``, ``predicted`` (the most probable class), ``p_true`` (the
        probability of *label*) and ``p_top`` (that of ``predicted``).
    """
    import matplotlib.pyplot as plt

    n = len(image)
    if not len(states) == len(proba) == n:
        raise ValueError(f"image, states and proba need {n} rows each, one per step")
    bad = [t for t in steps if not 1 <= t <= n]
    if bad:
        raise ValueError(f"steps must be numbers of rows read, 1 to {n}; got {bad}")
    h = states[:, :units]
    lim = float(np.abs(h).max()) or 1.0  # one colour scale for every frame
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.78")  # blank: not read yet
    classes = np.arange(proba.shape[1])
    colours = np.where(classes == label, "tab:orange", "tab:blue")
    ticks = sorted({1, *range(7, n + 1, 7), n})  # rows counted from 1, as in the text
    frames, rows = [], []
    for t in steps:
        p = proba[t - 1]
        top = int(p.argmax())
        rows.append(
            {
                "rows_read": t,
                "predicted": top,
                "p_true": float(p[label]),
                "p_top": float(p[top]),
            }
        )
        fig, ax = plt.subplot_mosaic(
            [["digit", "state", "p"]],
            figsize=(7, 3.4),
            layout="constrained",
            width_ratios=[1.3, 1.1, 1.4],
        )
        box = (-0.5, image.shape[1] - 0.5, n + 0.5, 0.5)  # row k drawn at y = k
        ax["digit"].imshow(image, cmap="gray_r", vmin=0, vmax=1, extent=box)
        ax["digit"].axhspan(t + 0.5, n + 0.5, color="0.78", alpha=0.85)
        ax["digit"].axhline(t + 0.5, color="tab:red", linewidth=1.5)
        ax["digit"].set(title=f"rows 1–{t} read", xlabel="grey: not yet read")
        ax["digit"].set(ylabel="row = time step", xticks=[], yticks=ticks)
        shown = h.astype(float)  # a copy: rows not read yet are NaN, drawn grey
        shown[t:] = np.nan
        box = (0.5, h.shape[1] + 0.5, n + 0.5, 0.5)
        scale = {"cmap": cmap, "vmin": -lim, "vmax": lim}  # the same in every frame
        im = ax["state"].imshow(shown, aspect="auto", extent=box, **scale)
        ax["state"].set(title="hidden state", xlabel="unit", yticks=ticks)
        bar = fig.colorbar(im, ax=ax["state"])
        bar.set_label("state: blue −, red +", fontsize=10)
        ax["p"].bar(classes, p, color=colours)
        ax["p"].set(title=f"P after row {t}", ylim=(0, 1), xticks=classes)
        ax["p"].set(xlabel=f"digit (orange: true {label})", ylabel="probability")
        for a in ax.values():
            a.grid(False)
        says = f"predicts {top} (P = {100 * p[top]:.0f} %)"
        fig.suptitle(f"After {t} of {n} rows the network {says}", fontsize=11)
        frames.append(fig)
    return frames, rows
