"""Tests of mlbook.neural_network_models on tiny data."""

from types import SimpleNamespace

import numpy as np
import pytest

from mlbook import neural_network_models as nn


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)


def test_dense_by_hand_matches_keras_dense():
    import keras

    layer = keras.layers.Dense(4, activation="relu")
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    expected = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5, 4)
    assert bias.shape == (4,)
    np.testing.assert_allclose(nn.dense_by_hand(x, kernel, bias), expected, atol=1e-5)
    assert nn.dense_params(5, 4) == layer.count_params() == 24


def test_dense_by_hand_softmax_rows_sum_to_one():
    x = np.ones((2, 3))
    out = nn.dense_by_hand(x, np.eye(3), np.zeros(3), activation="softmax")
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="unknown activation 'tanh2'"):
        nn.dense_by_hand(x, np.eye(3), np.zeros(3), activation="tanh2")


@pytest.mark.parametrize("units", [1, 8, 64])
def test_mlp_params_by_hand_matches_count_params(units):
    assert nn.mlp_params([784, units, 10]) == nn.build_sequential(units).count_params()
    assert nn.mlp_params([784, units, 10]) == 784 * units + units + units * 10 + 10
    assert nn.mlp_params([5]) == 0  # no layer, no weights


@pytest.mark.parametrize(("n_in", "n_out"), [(4, 3), (2, 5)])
def test_draw_dense_layer_draws_one_line_per_weight(n_in, n_out):
    import matplotlib.pyplot as plt

    fig = nn.draw_dense_layer(n_in, n_out)
    net, mat = fig.axes
    assert len(net.lines) == nn.dense_params(n_in, n_out)  # a line per weight and bias
    dashed = [ln for ln in net.lines if ln.get_linestyle() == "--"]
    assert len(dashed) == n_out  # one bias per output
    assert len(net.patches) == n_in + 1 + n_out  # the inputs, the constant 1, the outputs
    labels = {t.get_text() for t in net.texts}
    assert {f"$x_{i + 1}$" for i in range(n_in)} | {f"$y_{n_out}$", "1"} <= labels
    assert f"= {nn.dense_params(n_in, n_out)} weights" in net.get_title()
    assert len(mat.patches) == n_in + n_in * n_out + 2 * n_out  # x, W, b and y cells
    lit = [p for p in mat.patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    assert len(lit) == n_in + n_in + 2  # all of x, W's first column, b_1 and y_1
    assert [t.get_text() for t in mat.texts if "×" in t.get_text()] == [
        f"$x$\n1 × {n_in}",
        f"$W$\n{n_in} × {n_out}",
        f"$y$\n1 × {n_out}",
    ]
    plt.close(fig)


def test_three_ways_build_the_same_function():
    models = {name: build(units=8) for name, build in nn.BUILDERS.items()}
    counts = {m.count_params() for m in models.values()}
    assert counts == {nn.dense_params(784, 8) + nn.dense_params(8, 10)}
    x = np.random.default_rng(1).random((4, 28, 28)).astype("float32")
    ref = models["Sequential"].predict(x, verbose=0)
    assert ref.shape == (4, 10)
    for name in ("Functional", "Subclassing"):
        nn.copy_weights(models["Sequential"], models[name])
        np.testing.assert_allclose(models[name].predict(x, verbose=0), ref, atol=1e-6)


def test_keras_capabilities_separate_subclassing_from_the_graph_ways():
    """The chapter's table of what each way allows, as the installed Keras behaves."""
    graph = {
        "shapes_before_data": True,
        "wiring_checked_when_built": True,
        "clones": True,
        "reloads": True,
    }
    subclassing = {
        "shapes_before_data": False,  # '?' until the first call
        "wiring_checked_when_built": False,  # the mistake only shows when data runs
        "clones": True,
        "reloads": False,  # its class is not registered
    }
    found = nn.keras_capabilities()
    assert found == {"Sequential": graph, "Functional": graph, "Subclassing": subclassing}


def test_a_miswired_subclassed_model_fails_when_data_runs():
    model = nn._miswired("Subclassing")
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):
        model(np.zeros((1, 3), "float32"))


def test_layer_table_counts_every_weight():
    model = nn.build_functional(units=8)
    table = nn.layer_table(model)
    assert table["weights"].sum() == model.count_params()
    assert list(table["type"]) == ["InputLayer", "Flatten", "Dense", "Dense"]
    assert "(not recorded)" in set(nn.layer_table(nn.build_subclassed(8))["output shape"])


@pytest.mark.slow  # trains models: a few seconds
def test_fit_evaluate_learns_something():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    x = rng.random((200, 28, 28)).astype("float32") * 0.2
    x[y == 1, :14] += 0.8  # class 1: bright top half
    model = nn.compile_model(nn.build_sequential(units=8, n_classes=2), 1e-2)
    res = nn.fit_evaluate(model, (x, y, x, y), epochs=3, batch_size=32)
    assert set(res) == {"train_accuracy", "val_accuracy", "test_accuracy", "test_loss", "weights"}
    assert res["test_accuracy"] > 0.9


def test_draw_model_writes_a_png(tmp_path):
    if nn.graphviz_problem() is not None:
        pytest.skip("Graphviz/pydot not installed here")
    diagram = nn.draw_model(nn.build_functional(8), tmp_path / "m.png")
    assert diagram.note is None
    assert diagram.path.read_bytes()[:4] == b"\x89PNG"
    assert type(diagram.display()).__name__ == "Image"


def test_draw_model_without_graphviz_gives_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on PATH
    diagram = nn.draw_model(nn.build_functional(8), tmp_path / "m.png")
    assert diagram.path is None
    assert "graphviz" in diagram.note.lower()
    assert not (tmp_path / "m.png").exists()
    shown = diagram.display()
    assert type(shown).__name__ == "Markdown"
    assert "not drawn" in shown.data


def test_env_switch_forces_the_fallback(monkeypatch):
    monkeypatch.setenv(nn.NO_GRAPHVIZ_ENV, "1")
    assert nn.draw_model(nn.build_functional(8)).path is None


def test_the_seed_backends_are_not_keras3_backends():
    import keras

    assert keras.backend.backend() in nn.KERAS3_BACKENDS
    assert {"cntk", "theano"}.isdisjoint(nn.KERAS3_BACKENDS)
    assert {"cntk", "theano"} <= set(nn.SEED_BACKENDS)


def test_caption_never_describes_an_absent_diagram(tmp_path, monkeypatch):
    monkeypatch.setenv(nn.NO_GRAPHVIZ_ENV, "1")
    missing = nn.draw_model(nn.build_functional(8))
    assert missing.caption("Boxes and arrows.", "No diagram.") == "No diagram."
    assert "not be drawn" in missing.caption("Boxes and arrows.")
    assert nn.Diagram(path=tmp_path / "m.png").caption("Boxes and arrows.") == "Boxes and arrows."


@pytest.mark.parametrize(("profile", "columns"), [("full", 3), ("quick", 4)])
def test_settings_vs_notes_table(profile, columns):
    table = nn.settings_vs_notes(
        {"epochs": (10, 5, 1), "training images": (60_000, 60_000, 2000), "x": (None, 1, 1)},
        profile,
    )
    lines = table.splitlines()
    assert len(lines) == 2 + 3
    assert all(line.count("|") == columns + 1 for line in lines)
    assert "| training images | 60,000 | 60,000 |" in table
    assert ("this run (quick)" in table) == (profile == "quick")
    assert "| x | – |" in table
    assert nn.NOTES_MLP["hidden units"] == 128


def test_history_table_numbers_epochs_from_one_and_shows_percentages():
    logs = {"accuracy": [0.5, 0.75], "loss": [1.5, 0.8125], "val_accuracy": [0.6, 0.8]}
    styler = nn.history_table(logs)
    assert list(styler.data.index) == [1, 2]
    assert styler.data.index.name == "epoch"
    html = styler.to_html()
    assert "75.0 %" in html
    assert "80.0 %" in html
    assert "0.8125" in html  # losses to four significant digits
    assert "0.75" not in html  # accuracies are not shown as bare fractions


def test_history_table_takes_a_keras_history():
    fitted = SimpleNamespace(history={"accuracy": [0.25], "loss": [2.0]})  # like a History
    assert list(nn.history_table(fitted).data.columns) == ["accuracy", "loss"]


def test_history_table_by_metric_has_a_column_per_epoch():
    logs = {"digit_accuracy": [0.5, 0.75], "loss": [1.5, 0.8125]}
    styler = nn.history_table(logs, by_metric=True)
    assert list(styler.data.columns) == [1, 2]
    assert list(styler.data.index) == ["digit_accuracy", "loss"]
    html = styler.to_html()
    assert "75.0 %" in html
    assert "0.8125" in html
    assert "81.2 %" not in html  # the loss row is not a percentage


def test_metrics_table_shows_accuracies_as_percentages():
    html = nn.metrics_table({"loss": 0.25, "same_accuracy": 0.875}, "test").to_html()
    assert "87.5 %" in html
    assert "0.25" in html
    assert "{'" not in html


def test_history_table_shows_learning_rates_to_three_digits():
    logs = {"loss": [1.0, 0.5], "learning_rate": [0.0015, 0.000075]}
    html = nn.history_table(logs).to_html()
    assert "0.0015" in html
    assert "7.5e-05" in html
    assert "7.500e-05" not in html
