import numpy as np
import pytest
import tensorflow as tf

from mlbook import tensorflow_basics as tb


def test_seed_code_fails_on_tensorflow_2():
    """The notes' tf.Session example cannot run: this is why the chapter has an Erratum."""
    message = tb.run_seed_code()
    assert message.startswith("AttributeError")
    assert "Session" in message


def test_eager_and_legacy_session_agree():
    assert int(tb.add_eager(5, 10)) == 15
    assert tb.add_legacy_session(5, 10) == 15


def test_tracing_happens_per_shape_and_per_python_value():
    square, traces = tb.make_traced(lambda x: x * x)
    square(tf.constant(2.0))
    square(tf.constant(3.0))
    assert len(traces) == 1
    square(tf.constant([1.0, 2.0]))
    assert len(traces) == 2
    square(2.0)
    square(3.0)
    assert len(traces) == 4


@pytest.mark.parametrize(
    ("fn", "x", "expected"),
    [
        (lambda x: x**3 + 2 * x, 2.0, 14.0),
        (tf.sin, 0.0, 1.0),
    ],
)
def test_derivative(fn, x, expected):
    assert tb.derivative(fn, x) == pytest.approx(expected)


def test_timing_returns_positive_times():
    t = tb.time_eager_vs_function(steps=5, repeats=2)
    assert t["eager_ms"] > 0
    assert t["function_ms"] > 0
    assert t["steps"] == 5
    assert len(t["eager_times"]) == len(t["function_times"]) == 2
    assert min(t["eager_times"] + t["function_times"]) > 0
    assert tb.many_small_ops(tf.constant(1.0), steps=3).numpy() == pytest.approx(1.0)


def test_tensorflow_warnings_are_collected_not_printed(capfd):
    import tensorflow as tf

    with tb.tensorflow_warnings() as warned:
        tf.get_logger().warning("5 out of the last 6 calls triggered tf.function retracing.")
        tf.get_logger().info("not a warning")
    assert warned == ["5 out of the last 6 calls triggered tf.function retracing."]
    assert "retracing" not in capfd.readouterr().err
    assert all(type(h).__name__ != "Collect" for h in tf.get_logger().handlers)


def test_traces_describe_tensors_by_dtype_and_shape_and_python_values_by_value():
    square, traces = tb.make_traced(lambda x: x * x)
    square(tf.constant([1.0, 2.0]))
    square(2.0)
    assert traces == ["float32 tensor of shape (2,)", "Python float 2.0"]
    assert tb.describe_argument(tf.constant(5)) == "int32 tensor of shape ()"


def test_tensorflow_warnings_name_functions_without_memory_addresses():
    with tb.tensorflow_warnings() as warned:
        tf.get_logger().warning("calls to <function f.<locals>.g at 0x7fd432e91bc0> retraced")
    assert warned == ["calls to f.<locals>.g retraced"]


def test_graph_forward_gives_every_node_value():
    values = tb.graph_forward(**tb.GRAPH_EXAMPLE)
    assert (values["u"], values["z"], values["e"], values["L"]) == (6.0, 7.0, 2.0, 4.0)


@pytest.mark.parametrize(
    "inputs",
    [
        tb.GRAPH_EXAMPLE,
        {"w": -1.0, "x": 2.0, "b": 0.5, "y": 1.0},
        {"w": 0.3, "x": -1.7, "b": 2.0, "y": 0.0},
    ],
)
def test_chain_rule_by_hand_matches_gradient_tape(inputs):
    by_hand = tb.chain_rule_gradients(**inputs)
    by_tape = tb.tape_gradients(**inputs)
    assert set(by_tape) == {"w", "x", "b", "y"}
    for name, value in by_tape.items():
        assert by_hand[name] == pytest.approx(value, rel=1e-5, abs=1e-6)
    e = tb.graph_forward(**inputs)["e"]
    assert by_hand["w"] == pytest.approx(2 * e * inputs["x"])  # the page's equation


def test_draw_computation_graph_draws_every_node_edge_and_gradient():
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    ax = tb.draw_computation_graph()
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == 8  # w, x, b, y and u, z, e, L
    assert len(arrows) == len(tb.GRAPH_EDGES) == 7
    texts = [t.get_text() for t in ax.texts]
    for shown in ("w = 2", "y = 5", "u = w·x", "= 6", "L = e²", "= 4"):
        assert shown in texts
    assert "∂L/∂w\n= 12" in texts
    assert "∂L/∂y\n= −4" in texts
    red = [t for t in ax.texts if t.get_text().startswith("∂L/∂")]
    assert len(red) == len(tb.GRAPH_EDGES)
    assert all(t.get_fontsize() >= 9 for t in ax.texts)
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("fast", "slow", "expected"),
    [
        ([1.0, 1.1, 0.9, 1.0], [2.0, 2.1, 1.9, 2.2], "graph was faster than eager"),
        ([2.0, 2.1, 1.9, 2.2], [1.0, 1.1, 0.9, 1.0], "graph was slower than eager"),
        ([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], "graph and eager were equally fast"),
        ([1.0], [2.0], "from 1 timing we cannot tell whether graph or eager"),
    ],
)
def test_speed_sentence_reads_right_for_every_verdict(fast, slow, expected):
    from mlbook.verdict import compare_runs

    v = compare_runs(-np.array(fast), -np.array(slow), paired=True, unit="timings")
    assert tb.speed_sentence(v, "graph", "eager").startswith(expected)
