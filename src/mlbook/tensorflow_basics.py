"""Chapter *Introduction to TensorFlow*: tensors, variables, eager execution, ``tf.function``."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator

from mlbook.notes import run_notes_code

#: The seed's first example, verbatim (TensorFlow 1.x style).
SEED_SESSION_CODE = """\
import tensorflow as tf

# Create a constant tensor
x = tf.constant(5)

# Create a variable tensor
y = tf.Variable(10)

# Add the two tensors
z = tf.add(x, y)

# Create a session to run the computation
sess = tf.Session()

# Print the result
print(sess.run(z))
"""


def run_seed_code(code: str = SEED_SESSION_CODE) -> str:
    """Run the seed's code and return the error it raises, as ``"Type: message"``.

    Returns ``"no error"`` if it runs (it does not under TensorFlow 2).
    """
    return run_notes_code(code)


def add_eager(a: int = 5, b: int = 10):
    """Add *a* and *b* in TensorFlow 2: operations run immediately (eager execution)."""
    import tensorflow as tf

    x = tf.constant(a)
    y = tf.Variable(b)
    return tf.add(x, y)  # a tf.Tensor holding the value, no session needed


def add_legacy_session(a: int = 5, b: int = 10) -> int:
    """Add *a* and *b* in the TF 1 graph-and-session style, through ``tf.compat.v1`` (old code)."""
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(a)
        y = tf.compat.v1.Variable(b)
        z = tf.add(x, y)
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=graph) as sess:
        sess.run(init)  # TF 1 variables had to be initialised explicitly
        return int(sess.run(z))


def describe_argument(value) -> str:
    """Say what a traced function received, in words.

    ``"float32 tensor of shape (2,)"`` for a tensor (while tracing, only its dtype and
    shape are known), ``"Python float 2.0"`` for a Python value (its value becomes part
    of the graph).
    """
    import tensorflow as tf

    if isinstance(value, tf.Tensor):
        return f"{value.dtype.name} tensor of shape {tuple(value.shape)}"
    return f"Python {type(value).__name__} {value}"


def make_traced(fn: Callable) -> tuple[Callable, list[str]]:
    """Wrap *fn* in ``tf.function`` and record every time TensorFlow traces it.

    Python side effects (the ``append``) run only while tracing, so the returned
    list shows when a new graph was built, and with what arguments.
    """
    import tensorflow as tf

    traces: list[str] = []

    def wrapper(*args):
        traces.append(", ".join(describe_argument(a) for a in args))
        return fn(*args)

    return tf.function(wrapper), traces


@contextlib.contextmanager
def tensorflow_warnings() -> Iterator[list[str]]:
    """Collect the warnings TensorFlow logs in the block into a list.

    Warnings such as "triggered tf.function retracing" go to the list instead of being
    printed to stderr by TensorFlow's logger. A function named in a message is given by
    its name, without its memory address (``<function f at 0x7f...>`` becomes ``f``).
    """
    import tensorflow as tf

    logger = tf.get_logger()
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(
                re.sub(r"<function (\S+) at 0x[0-9a-fA-F]+>", r"\1", record.getMessage())
            )

    saved = logger.handlers[:], logger.propagate
    logger.handlers[:] = [Collect(logging.WARNING)]
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.handlers[:], logger.propagate = saved


def derivative(fn: Callable, x: float) -> float:
    """Return d fn / dx at *x*, by automatic differentiation with ``tf.GradientTape``."""
    import tensorflow as tf

    xv = tf.Variable(float(x))
    with tf.GradientTape() as tape:
        y = fn(xv)
    return float(tape.gradient(y, xv))


def many_small_ops(x, steps: int = 200):
    """Run a loop of small operations: the kind of code where Python overhead dominates."""
    for _ in range(steps):
        x = x * 0.99 + 0.01
    return x


def time_eager_vs_function(steps: int = 200, repeats: int = 20) -> dict[str, float]:
    """Median time (ms) of :func:`many_small_ops` eagerly and as a ``tf.function``.

    Returns ``{"eager_ms": ..., "function_ms": ..., "steps": steps}``: the two medians
    over *repeats* calls, and the number of small operations each call ran.
    """
    import numpy as np
    import tensorflow as tf

    x = tf.ones((8, 8))
    graph_fn = tf.function(many_small_ops)
    graph_fn(x, steps)  # trace once; tracing time is not execution time

    def median_ms(f):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f(x, steps).numpy()
            times.append(time.perf_counter() - t0)
        return 1000 * float(np.median(times))

    return {
        "eager_ms": median_ms(many_small_ops),
        "function_ms": median_ms(graph_fn),
        "steps": steps,
    }
