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
    """MNIST images as sequences: 28 time steps (rows) of 28 features (pixels), in [0, 1].

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
    kind: str = "LSTM", units: int = 128, n_classes: int = 10, steps: int = 28, features: int = 28
) -> keras.Model:
    """Build a recurrent classifier: ``(steps, features)`` → one recurrent layer → softmax.

    ``kind`` is ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``. The recurrent layer returns its
    last hidden state, a vector of ``units`` numbers summarising the whole sequence.
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
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
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


def simple_rnn_states(x: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Run a simple RNN's recurrence one step at a time: ``h_t = tanh(x_t W + h_{t-1} U + b)``.

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
    """Make a noisy periodic series: ``sin(2πt/24) + 0.5 sin(2πt/8) + noise``, shape ``(n,)``.

    The clean part repeats every 24 steps (think: hours of a day); the Gaussian noise of
    standard deviation *noise* cannot be predicted by any model.
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


def forecast_recursive(model: keras.Model, history: np.ndarray, steps: int) -> np.ndarray:
    """Forecast *steps* values ahead by feeding each prediction back as the newest input.

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
