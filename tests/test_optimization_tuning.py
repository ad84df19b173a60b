"""Tests of mlbook.optimization_tuning on tiny data."""

import os

import numpy as np
import pytest

from mlbook import optimization_tuning as ot


@pytest.fixture
def small(tiny_digits):
    x, y = tiny_digits
    return (x[:200] / 255.0).astype("float32"), y[:200].astype("int64")


@pytest.mark.slow  # trains models: a few seconds
def test_race_starts_every_optimiser_from_the_same_weights(small, monkeypatch):
    import keras

    starts = []
    real_fit = keras.Model.fit

    def spy(self, *args, **kwargs):
        starts.append([w.copy() for w in self.get_weights()])
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    pick = {k: v for k, v in ot.optimizers().items() if k in ("SGD", "Adam")}
    hist = ot.race(*small, epochs=2, batch_size=32, contestants=pick)
    assert list(hist) == ["SGD", "Adam"]
    assert all(len(h["loss"]) == 2 and "val_accuracy" in h for h in hist.values())
    for a, b in zip(*starts):
        np.testing.assert_array_equal(a, b)
    table = ot.race_table(hist)
    assert table["validation accuracy"].is_monotonic_decreasing


def test_optimizer_factories_give_fresh_objects():
    opts = ot.optimizers()
    assert {"SGD", "SGD + momentum", "RMSprop", "Adam", "AdamW"} <= set(opts)
    assert opts["Adam"]() is not opts["Adam"]()
    assert float(opts["SGD + momentum"]().momentum) == pytest.approx(0.9)


def test_every_contestant_runs_at_keras_default_learning_rate():
    import inspect

    for name, make in ot.optimizers().items():
        optimizer = make()
        default = inspect.signature(type(optimizer).__init__).parameters["learning_rate"].default
        assert float(optimizer.learning_rate) == pytest.approx(default), name
    assert float(ot.optimizers()["Adagrad"]().learning_rate) == pytest.approx(1e-3)


def test_at_learning_rate_changes_the_rate_only():
    make = ot.at_learning_rate(ot.optimizers()["SGD + momentum"], 0.1)
    optimizer = make()
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    assert float(optimizer.momentum) == pytest.approx(0.9)
    assert make() is not optimizer
    assert float(ot.at_learning_rate(ot.optimizers()["AdamW"], 0.02)().weight_decay) == (
        pytest.approx(0.004)
    )


@pytest.mark.slow  # trains models: a few seconds
def test_learning_rate_sweep_table(small):
    sweep = ot.learning_rate_sweep(
        *small, names=("SGD", "Adam"), rates=(1e-3, 1e-1), epochs=1, batch_size=32
    )
    assert list(sweep.columns) == ["SGD", "Adam"]
    assert list(sweep.index) == [1e-3, 1e-1]
    assert ((sweep >= 0) & (sweep <= 1)).all().all()
    # plain SGD learns next to nothing in one epoch at a hundredth of its default rate
    assert sweep.loc[1e-1, "SGD"] > sweep.loc[1e-3, "SGD"]


@pytest.mark.slow  # trains models: a few seconds
def test_sweep_reuses_the_race_run_at_the_default_rate(small):
    """The race's run at SGD's default rate is the sweep's, bit for bit: no retraining."""
    kwargs = {"epochs": 1, "batch_size": 32, "seed": 3}
    raced = ot.race(*small, contestants={"SGD": ot.optimizers()["SGD"]}, **kwargs)
    rates = (1e-3, 1e-2)  # 0.01 is SGD's default
    fresh = ot.learning_rate_sweep(*small, names=("SGD",), rates=rates, **kwargs)
    marked = {"SGD": {**raced["SGD"], "val_accuracy": [-1.0]}}  # shows where it came from
    reused = ot.learning_rate_sweep(*small, names=("SGD",), rates=rates, reuse=marked, **kwargs)
    assert reused.loc[1e-2, "SGD"] == -1.0  # taken from the race, not trained again
    assert reused.loc[1e-3, "SGD"] == fresh.loc[1e-3, "SGD"]
    assert fresh.loc[1e-2, "SGD"] == raced["SGD"]["val_accuracy"][-1]  # same run either way


@pytest.mark.parametrize("name", ["exponential decay", "piecewise constant", "cosine with warm-up"])
def test_schedules_stay_positive_and_end_lower(name):
    at, lr = ot.schedule_values(ot.schedules(1e-3, 100)[name], 100)
    assert lr.shape == at.shape == (100,)
    assert (lr > 0).all()
    assert lr[-1] < lr.max() <= 1e-3 + 1e-9


def test_schedules_shapes():
    steps, initial = 1000, 1e-3
    s = ot.schedules(initial, steps)
    assert float(s["exponential decay"](steps // 4)) == pytest.approx(initial / 2)
    assert float(s["piecewise constant"](steps // 2 + 1)) == pytest.approx(initial / 10)
    assert float(s["piecewise constant"](3 * steps // 4 + 1)) == pytest.approx(initial / 100)
    assert float(s["cosine with warm-up"](steps // 10)) == pytest.approx(initial)
    assert float(s["cosine with warm-up"](steps)) == pytest.approx(0, abs=1e-9)


def test_warmup_rises_first():
    at, lr = ot.schedule_values(ot.schedules(1e-3, 100)["cosine with warm-up"], 100)
    assert lr[0] < lr[10]
    assert at[lr.argmax()] == 10
    assert (
        len(ot.schedule_values(ot.schedules(1e-3, 10_000)["exponential decay"], 10_000)[0]) == 101
    )


@pytest.mark.slow  # trains models: a few seconds
def test_callbacks_reduce_lr_and_keep_the_best_model(small, tmp_path):
    import keras

    x, y = small
    # the toy task is solved within a few epochs; then val_loss stalls and the rate is halved
    hist, best, model = ot.train_with_callbacks(
        x[:150],
        y[:150],
        (x[150:], y[150:]),
        epochs=6,
        batch_size=32,
        directory=tmp_path,
        learning_rate=0.05,
    )
    assert best.exists()
    assert best.parent == tmp_path
    assert hist["learning_rate"][0] == pytest.approx(0.05)
    assert float(model.optimizer.learning_rate) < 0.05
    reloaded = keras.models.load_model(best)
    acc = reloaded.evaluate(x[150:], y[150:], verbose=0)[1]
    assert acc == pytest.approx(max(hist["val_accuracy"]), abs=1e-6)


@pytest.mark.slow  # trains models: a few seconds
def test_search_runs_quietly_in_the_given_folder(small, tmp_path, capsys):
    cwd_before = set(os.listdir("."))
    tuner = ot.search(*small, max_trials=2, epochs=1, directory=tmp_path)
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 2, out  # no per-trial wall of text
    assert (tmp_path / "mnist_mlp").is_dir()
    assert set(os.listdir(".")) == cwd_before
    table = ot.results_table(tuner)
    assert len(table) == 2
    assert {"units", "dropout", "learning_rate", "val_accuracy"} <= set(table.columns)
    assert table["val_accuracy"].is_monotonic_decreasing
    best = tuner.get_best_hyperparameters(1)[0]
    assert best.values["units"] == table.iloc[0]["units"]


@pytest.mark.parametrize("name", list(ot.HAND_STEPS))
def test_hand_updates_match_keras(name):
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=3), rng.normal(size=(4, 3))
    by_hand, by_keras = ot.hand_vs_keras(name, w0, grads)
    assert not np.allclose(by_hand, w0)  # the steps did move the weights
    np.testing.assert_allclose(by_hand, by_keras, atol=1e-6)


def test_adam_first_step_moves_by_the_learning_rate():
    w, state = ot.adam_step(np.zeros(2), np.array([0.5, -0.01]), {}, lr=1e-3)
    np.testing.assert_allclose(w, [-1e-3, 1e-3], rtol=1e-4)
    assert state["t"] == 1
    # AdamW shrinks a weight even when its gradient is zero
    w, _ = ot.adam_step(np.array([1.0]), np.array([0.0]), {}, lr=0.1, weight_decay=0.5)
    assert w[0] == pytest.approx(0.95)


def test_momentum_accumulates_a_constant_gradient():
    w, state = np.zeros(1), {}
    for _ in range(3):
        w, state = ot.sgd_step(w, np.ones(1), state, lr=0.1, momentum=0.5)
    # velocities -0.1, -0.15, -0.175
    assert w[0] == pytest.approx(-0.425)


def test_bowl_paths_end_nearer_the_minimum_and_are_drawn():
    import matplotlib.pyplot as plt

    paths = ot.bowl_paths(n_steps=20)
    assert list(paths) == ["SGD", "SGD + momentum", "Adam"]
    for path in paths.values():
        assert path.shape == (21, 2)
        assert np.linalg.norm(path[-1]) < np.linalg.norm(path[0])
    ends = {name: np.linalg.norm(path[-1]) for name, path in paths.items()}
    assert ends["SGD + momentum"] < ends["SGD"]
    sgd_w2 = paths["SGD"][:8, 1]
    assert np.all(np.sign(sgd_w2[1:]) == -np.sign(sgd_w2[:-1]))  # the zigzag
    ax = ot.draw_paths(paths)
    assert len(ax.lines) == 4  # three paths and the minimum's star
    for line, path in zip(ax.lines, paths.values()):
        np.testing.assert_allclose(line.get_xydata(), path)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "SGD (20 steps)",
        "SGD + momentum (20 steps)",
        "Adam (20 steps)",
        "minimum",
    ]
    assert ax.collections  # the contour lines
    assert ax.figure.get_size_inches()[0] <= 7
    plt.close(ax.figure)


@pytest.mark.parametrize("name", ["exponential decay", "piecewise constant", "cosine with warm-up"])
def test_hand_schedules_match_keras(name):
    steps, initial = 400, 1e-2
    at, lr = ot.schedule_values(ot.schedules(initial, steps)[name], steps, n_points=steps)
    np.testing.assert_allclose(
        ot.hand_schedules(initial, steps)[name](at), lr, rtol=1e-5, atol=1e-6 * initial
    )


def test_decay_factor_compounds_the_per_step_shrink():
    assert ot.decay_factor(1e-3, 0.004, 0) == 1.0
    assert ot.decay_factor(0.1, 0.5, 1) == pytest.approx(0.95)
    assert ot.decay_factor(0.1, 0.5, 2) == pytest.approx(0.95**2)
    # Keras' AdamW at its defaults: a few thousandths over a thousand steps
    assert 0.99 < ot.decay_factor(1e-3, 0.004, 1000) < 0.997
    with pytest.raises(ValueError, match="non-negative"):
        ot.decay_factor(1e-3, 0.004, -1)


@pytest.mark.slow  # trains models: a few seconds
def test_race_keeps_each_optimisers_results_on_the_same_validation_images(small):
    pick = {k: v for k, v in ot.optimizers().items() if k in ("SGD", "Adam")}
    hist = ot.race(*small, epochs=1, batch_size=32, contestants=pick)
    n_val = len(small[0]) - int(len(small[0]) * (1 - ot.RACE_VALIDATION))
    for h in hist.values():
        right = h["val_correct"]
        assert right.dtype == bool
        assert right.shape == (n_val,)
        assert right.mean() == pytest.approx(h["val_accuracy"][-1], abs=1e-6)


def test_bowl_momentum_is_the_one_the_paths_use():
    paths = ot.bowl_paths()
    again = ot.descend(
        ot.sgd_step,
        paths["SGD"][0],
        len(paths["SGD"]) - 1,
        lr=ot.BOWL_LR,
        momentum=ot.BOWL_MOMENTUM,
    )
    np.testing.assert_allclose(paths["SGD + momentum"], again)
    assert not np.allclose(ot.bowl_paths(momentum=0.9)["SGD + momentum"], again)


EXPLORE_RATES = (0.01, ot.BOWL_LR, 0.13, 0.2)


def test_explore_learning_rates_frames_are_one_size_and_the_player_takes_them():
    import matplotlib.pyplot as plt

    from mlbook import explorable
    from mlbook.plotting import figure_problems

    open_before = set(plt.get_fignums())  # other tests' figures
    frames, rows = ot.explore_learning_rates(EXPLORE_RATES, steps=20)
    assert [r["learning_rate"] for r in rows] == list(EXPLORE_RATES)
    assert all(f.get_layout_engine() is not None for f in frames)  # constrained
    assert [f.axes[0].get_xlim() for f in frames] == [ot.EXPLORE_LIMITS[0]] * len(frames)
    assert [f.axes[0].get_ylim() for f in frames] == [ot.EXPLORE_LIMITS[1]] * len(frames)
    assert [figure_problems(f) for f in frames] == [[]] * len(frames)  # legible
    pngs = [explorable.frame_png(f) for f in frames]
    assert len({explorable.png_size(p) for p in pngs}) == 1
    assert set(plt.get_fignums()) <= open_before  # the frames were closed
    labels = [f"{lr:g}" for lr in EXPLORE_RATES]
    box = explorable.frames_player(
        pngs, labels, labels, name="learning-rate", description="learning rate", start=1
    )
    assert box.children[0].index == 1


def test_explore_learning_rates_diverges_exactly_above_the_stability_bound():
    import matplotlib.pyplot as plt

    _, rows = ot.explore_learning_rates(EXPLORE_RATES, steps=30)
    plt.close("all")
    steepest = max(ot.BOWL)
    bound = {"SGD": 2 / steepest, "SGD + momentum": 2 * (1 + ot.BOWL_MOMENTUM) / steepest}
    for row in rows:
        for name, limit in bound.items():
            assert row["diverged"][name] == (row["learning_rate"] > limit), (row, name)
            if not row["diverged"][name]:
                assert row["distance"][name] < np.linalg.norm((-4.0, 1.0))
    by_rate = {r["learning_rate"]: r for r in rows}
    assert by_rate[0.13]["diverged"] == {"SGD": True, "SGD + momentum": False}
    assert by_rate[0.2]["distance"]["SGD + momentum"] > 1e6  # blown up, not merely stalled


def test_explore_learning_rates_agrees_with_the_bowl_paths_at_the_pages_rate():
    import matplotlib.pyplot as plt

    frames, rows = ot.explore_learning_rates([ot.BOWL_LR])
    paths = ot.bowl_paths()
    for name in ("SGD", "SGD + momentum"):
        assert rows[0]["distance"][name] == pytest.approx(np.linalg.norm(paths[name][-1]))
        assert not rows[0]["diverged"][name]
        line = next(ln for ln in frames[0].axes[0].lines if ln.get_label().startswith(name + " ("))
        np.testing.assert_allclose(line.get_xydata(), paths[name])
    plt.close(frames[0])


def test_diverged_paths_are_named_so_in_the_legend():
    import matplotlib.pyplot as plt

    frames, _ = ot.explore_learning_rates([0.13])
    labels = [t.get_text() for t in frames[0].axes[0].get_legend().get_texts()]
    assert labels == ["SGD, diverged (30 steps)", "SGD + momentum (30 steps)", "minimum"]
    assert frames[0].axes[0].get_title() == "Learning rate 0.13 (momentum 0.7)"
    plt.close(frames[0])
