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
    """Add *a* and *b* in the TF 1 graph-and-session style (old code).

    It runs under TensorFlow 2 through the compatibility module ``tf.compat.v1``.
    """
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
    """Return d fn / dx at *x*, by automatic differentiation with tf.GradientTape."""
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


def time_eager_vs_function(steps: int = 200, repeats: int = 20) -> dict:
    """Time :func:`many_small_ops` eagerly and as a ``tf.function``, calls alternating.

    Each of *repeats* rounds times one eager call and one graph call, so a busy moment
    of the machine slows both alike. Returns the per-call times in ms
    (``"eager_times"``, ``"function_times"``, round *i* of both side by side), their
    medians ``"eager_ms"`` and ``"function_ms"``, and ``"steps"``.
    """
    import numpy as np
    import tensorflow as tf

    x = tf.ones((8, 8))
    graph_fn = tf.function(many_small_ops)
    graph_fn(x, steps)  # trace once; tracing time is not execution time

    def ms(f):
        t0 = time.perf_counter()
        f(x, steps).numpy()
        return 1000 * (time.perf_counter() - t0)

    eager, graph = [], []
    for _ in range(repeats):
        eager.append(ms(many_small_ops))
        graph.append(ms(graph_fn))
    return {
        "eager_times": eager,
        "function_times": graph,
        "eager_ms": float(np.median(eager)),
        "function_ms": float(np.median(graph)),
        "steps": steps,
    }


def speed_sentence(verdict, a: str, b: str) -> str:
    """Return how *a*'s speed compares with *b*'s, for a verdict on negated times.

    *verdict* compares minus the times (``mlbook.verdict.compare_runs``), so "beats"
    means *a* took less time.
    """
    from mlbook.typeset import plural

    return {
        "beats": f"{a} was faster than {b}",
        "loses to": f"{a} was slower than {b}",
        "ties with": f"{a} and {b} were equally fast within the noise",
    }.get(
        verdict.word,
        f"from {plural(verdict.n, 'timing')} we cannot tell whether {a} or {b} was faster",
    )


# --- a computation graph and the chain rule ----------------------------------------

#: The small expression the chapter draws: the squared error of one linear unit,
#: ``L = (w x + b - y) ** 2``, at values that keep every number an integer.
GRAPH_EXAMPLE = {"w": 2.0, "x": 3.0, "b": 1.0, "y": 5.0}


def graph_forward(w: float, x: float, b: float, y: float) -> dict[str, float]:
    """Forward pass through the graph of ``L = (w x + b - y) ** 2``, node by node.

    Returns the value of every node: the inputs ``w, x, b, y`` and the intermediate
    results ``u = w x``, ``z = u + b``, ``e = z - y`` and ``L = e ** 2``.
    """
    u = w * x
    z = u + b
    e = z - y
    return {"w": w, "x": x, "b": b, "y": y, "u": u, "z": z, "e": e, "L": e**2}


def chain_rule_gradients(w: float, x: float, b: float, y: float) -> dict[str, float]:
    """Differentiate L with respect to every node by hand, with the chain rule.

    Walks the graph backwards from L: each node's gradient is the gradient of the node
    it feeds times the local derivative of that one operation.
    """
    v = graph_forward(w, x, b, y)
    grad = {"L": 1.0}
    grad["e"] = grad["L"] * 2 * v["e"]  # L = e ** 2: dL/de = 2e
    grad["z"] = grad["e"] * 1.0  # e = z - y: de/dz = 1
    grad["y"] = grad["e"] * -1.0  # e = z - y: de/dy = -1
    grad["u"] = grad["z"] * 1.0  # z = u + b: dz/du = 1
    grad["b"] = grad["z"] * 1.0  # z = u + b: dz/db = 1
    grad["w"] = grad["u"] * v["x"]  # u = w x: du/dw = x
    grad["x"] = grad["u"] * v["w"]  # u = w x: du/dx = w
    return grad


def tape_gradients(w: float, x: float, b: float, y: float) -> dict[str, float]:
    """Compute the same derivatives of L = (w x + b - y) ** 2 with tf.GradientTape."""
    import tensorflow as tf

    values = (w, x, b, y)
    inputs = {name: tf.Variable(float(value)) for name, value in zip("wxby", values)}
    with tf.GradientTape() as tape:
        loss = (inputs["w"] * inputs["x"] + inputs["b"] - inputs["y"]) ** 2
    grads = tape.gradient(loss, list(inputs.values()))
    return {name: float(g) for name, g in zip(inputs, grads)}


#: Where each node of the graph is drawn (data coordinates).
_GRAPH_LAYOUT = {
    "w": (0.0, 3.0),
    "x": (0.0, 1.3),
    "u": (2.9, 2.15),
    "b": (2.9, 0.2),
    "z": (5.8, 1.3),
    "y": (5.8, -0.6),
    "e": (8.7, 0.35),
    "L": (12.0, 0.35),
}
#: The edges, in the direction of the forward pass: (the node that feeds, the node fed).
GRAPH_EDGES = [("w", "u"), ("x", "u"), ("u", "z"), ("b", "z"), ("z", "e"), ("y", "e"), ("e", "L")]
_GRAPH_FORMULA = {"u": "u = w·x", "z": "z = u + b", "e": "e = z − y", "L": "L = e²"}


def _fmt(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def draw_computation_graph(
    values: dict[str, float] | None = None, grads: dict[str, float] | None = None, ax=None
):
    """Draw the graph of ``L = (w x + b - y) ** 2`` with forward values and gradients.

    Each node is a box holding its operation and its value (forward pass, black; inputs
    in blue boxes); each edge is an arrow in the direction of the forward pass, labelled
    in red with the gradient of L with respect to the node the arrow leaves (backward
    pass). Returns the axes: one box per node and one arrow per edge are its patches.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if values is None:
        values = graph_forward(**GRAPH_EXAMPLE)
    if grads is None:
        grads = chain_rule_gradients(**GRAPH_EXAMPLE)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.9))
    half_w, half_h = 0.85, 0.42
    for name, (cx, cy) in _GRAPH_LAYOUT.items():
        is_input = name not in _GRAPH_FORMULA
        box = FancyBboxPatch(
            (cx - half_w, cy - half_h),
            2 * half_w,
            2 * half_h,
            boxstyle="round,pad=0.04",
            facecolor="#e3ecf8" if is_input else "#fbeed5",
            edgecolor="#222222",
            linewidth=1.2,
        )
        ax.add_patch(box)
        if is_input:
            ax.text(
                cx,
                cy,
                f"{name} = {_fmt(values[name])}",
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
            )
        else:
            ax.text(cx, cy + 0.16, _GRAPH_FORMULA[name], ha="center", va="center", fontsize=9)
            ax.text(
                cx,
                cy - 0.18,
                f"= {_fmt(values[name])}",
                ha="center",
                va="center",
                fontsize=10,
                fontweight="bold",
            )
    for src, dst in GRAPH_EDGES:
        (x0, y0), (x1, y1) = _GRAPH_LAYOUT[src], _GRAPH_LAYOUT[dst]
        start, end = (x0 + half_w, y0), (x1 - half_w, y1)
        arrow = FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color="#222222",
            linewidth=1.2,
            shrinkA=3,
            shrinkB=3,
        )
        ax.add_patch(arrow)
        # the label sits beside the arrow, above a falling one, below a rising one
        dx, dy = end[0] - start[0], end[1] - start[1]
        norm = np.hypot(dx, dy)
        side = 0.55 if dy <= 0 else -0.55
        mx = (start[0] + end[0]) / 2 - side * dy / norm
        my = (start[1] + end[1]) / 2 + side * dx / norm
        ax.text(
            mx,
            my,
            f"∂L/∂{src}\n= {_fmt(grads[src])}",
            ha="center",
            va="center",
            fontsize=9,
            color="#b2182b",
            linespacing=1.0,
        )
    ax.set(xlim=(-0.9, 12.9), ylim=(-1.1, 3.5), aspect="equal")
    ax.set_title("Forward values (black) and gradients of L (red)", fontsize=11)
    ax.axis("off")
    return ax
