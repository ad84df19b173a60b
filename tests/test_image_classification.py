import numpy as np
import pytest

from mlbook import image_classification as ic
from mlbook.repro import seed_everything


def test_the_notes_preprocessing_gives_a_299_batch_in_minus_one_one(tmp_path):
    path = ic.save_sample_photo(tmp_path)
    x = ic.load_for_inception(path)
    assert x.shape == (1, 299, 299, 3)
    assert x.dtype == np.float32
    assert -1.0 <= x.min() < -0.5
    assert 0.5 < x.max() <= 1.0


@pytest.mark.slow
def test_inception_v3_architecture_without_weights():
    model = ic.build_inception(weights=None)
    assert model.input_shape == (None, 299, 299, 3)
    assert model.output_shape == (None, 1000)
    assert 23_000_000 < model.count_params() < 24_500_000


def test_inception_transfer_model_freezes_the_base():
    model = ic.inception_transfer_model(5, weights=None, input_shape=(75, 75, 3))
    assert model.output_shape == (None, 5)
    base = model.layers[1]
    assert not base.trainable
    assert base.output_shape == (None, 2048)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 2048 * 5 + 5  # only the new head learns


def test_inception_available_is_quick_offline(monkeypatch, tmp_path):
    import time

    monkeypatch.setenv("HOME", str(tmp_path))  # no Keras cache
    t0 = time.perf_counter()
    assert ic.inception_available(timeout=1) is False  # MLBOOK_OFFLINE=1 in tests
    assert time.perf_counter() - t0 < 2


def test_select_digits_renumbers_labels(tiny_digits):
    x, y = tiny_digits
    xs, ys = ic.select_digits(x, y, (5, 6, 7, 8, 9))
    assert set(np.unique(ys)) == {0, 1, 2, 3, 4}
    assert len(xs) == np.isin(y, [5, 6, 7, 8, 9]).sum()
    assert xs.shape[1:] == (28, 28, 1)
    assert xs.max() <= 1.0
    assert (y[np.isin(y, [5, 6, 7, 8, 9])] - 5 == ys).all()


def test_few_shot_takes_k_per_class(tiny_digits):
    x, y = ic.select_digits(*tiny_digits, range(10))
    xs, ys = ic.few_shot(x, y, 3)
    assert len(xs) == 30
    assert np.bincount(ys).tolist() == [3] * 10


def test_frozen_base_does_not_change_during_training(tiny_digits):
    seed_everything(0)
    x, y = ic.select_digits(*tiny_digits, range(5))
    base = ic.build_base()
    before = [w.copy() for w in base.get_weights()]
    model = ic.with_head(base, 5, trainable_base=False)
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))
    assert ic.accuracy(model, x, y, batch_size=64) == pytest.approx(
        model.evaluate(x, y, verbose=0)[1], abs=1e-6
    )
    copy = ic.copy_base(base)
    assert copy is not base
    assert all(np.array_equal(a, b) for a, b in zip(copy.get_weights(), base.get_weights()))


@pytest.mark.slow
def test_compare_transfer_trains_a_head_on_frozen_pretrained_features(tiny_digits):
    """Frozen features from pretraining let a new head learn from 3 labels per class.

    (The tiny data code classes by position, so we reuse the pretraining classes; the
    chapter measures transfer to *new* digits on MNIST.)
    """
    seed_everything(0)
    x, y = ic.select_digits(*tiny_digits, range(5))
    base = ic.pretrain_base(x, y, epochs=3, verbose=0)
    rows = ic.compare_transfer(base, x, y, x, y, shots=(3,), steps=60, draws=2)
    assert [(r["shots"], r["draw"]) for r in rows] == [(3, 0), (3, 1)]
    assert all(r["transfer"] > 0.6 for r in rows)  # chance is 0.2
    assert all(0 <= r["scratch"] <= 1 for r in rows)


def test_compare_transfer_trains_both_methods_on_the_same_draw(tiny_digits, monkeypatch):
    """Pairing: for each draw, transfer's head sees the features of scratch's images."""
    seed_everything(0)
    x, y = ic.select_digits(*tiny_digits, range(5))
    base = ic.build_base()
    seen = []
    monkeypatch.setattr(
        ic, "fit_steps", lambda model, xs, ys, steps, seed: seen.append((xs, ys, seed))
    )
    rows = ic.compare_transfer(base, x, y, x[:20], y[:20], shots=(1, 2), steps=1, draws=3)
    assert len(rows) == len(seen) // 2 == 6
    for (z, y_head, s_head), (xs, y_net, s_net) in zip(seen[::2], seen[1::2]):
        assert z.shape[1] == 1600
        assert xs.shape[1:] == (28, 28, 1)
        np.testing.assert_allclose(z, ic.features(base, xs), rtol=1e-6)
        assert np.array_equal(y_head, y_net)
        assert s_head == s_net
    # different draws are different labelled sets
    assert not np.array_equal(seen[1][0], seen[3][0])


def test_a_head_on_features_trains_exactly_like_the_frozen_model(tiny_digits):
    """Training the head on precomputed features = training it on top of the frozen base."""
    seed_everything(0)
    x, y = ic.select_digits(*tiny_digits, range(5))
    base = ic.build_base()
    frozen = ic.with_head(ic.copy_base(base), 5, trainable_base=False)
    head = ic.head_model(1600, 5)
    head.set_weights(frozen.get_layer("head").get_weights())
    ic.fit_steps(frozen, x[:40], y[:40], steps=8, seed=1)
    ic.fit_steps(head, ic.features(base, x[:40]), y[:40], steps=8, seed=1)
    for a, b in zip(frozen.get_layer("head").get_weights(), head.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(frozen(x, training=False)),
        np.asarray(head(ic.features(base, x), training=False)),
        atol=1e-5,
    )
    assert ic.accuracy(frozen, x, y) == ic.accuracy(head, ic.features(base, x), y)


def test_paired_verdicts_pair_the_draws_and_see_a_steady_gain():
    """A steady +5 points on draws that vary by 20 points: paired, a clear win."""
    luck = [0.5, 0.7, 0.6, 0.8, 0.55]
    rows = [
        {"shots": 1, "draw": r, "transfer": base + 0.05 + 0.001 * r, "scratch": base}
        for r, base in enumerate(luck)
    ]
    rows.append({"shots": 10, "draw": 1, "transfer": 0.9, "scratch": 0.95})
    rows.append({"shots": 10, "draw": 0, "transfer": 0.93, "scratch": 0.9})
    v = ic.paired_verdicts(rows[::-1], margin=0.02)  # order of rows does not matter
    assert list(v) == [10, 1]
    assert v[1].word == "beats"
    assert v[1].n == 5
    assert v[1].difference == pytest.approx(0.052)
    assert v[1].half_width < 0.01
    from mlbook.verdict import compare_runs

    unpaired = compare_runs([r["transfer"] for r in rows[:5]], luck, paired=False)
    assert unpaired.word == "ties with"  # what pairing saves us from
    # draw 0: +3 points, draw 1: -5 points; two draws cannot decide within 2 points
    assert v[10].difference == pytest.approx(-0.01)
    assert str(v[10]) == "cannot tell from 2 draws"


def test_base_ends_at_the_convolutional_features():
    """What transfers is the conv features; the source task's dense layer stays behind."""
    base = ic.build_base()
    assert base.output_shape == (None, 5 * 5 * 64)
    source = ic.with_head(base, 5, hidden=128)
    target = ic.with_head(ic.build_base(), 5)
    assert [layer.name for layer in source.layers][-2:] == ["hidden", "head"]
    assert "hidden" not in [layer.name for layer in target.layers]


@pytest.mark.parametrize("n_examples", [5, 100])
def test_fit_steps_takes_exactly_the_asked_number_of_steps(tiny_digits, n_examples):
    """The optimiser updates the weights exactly *steps* times.

    That holds with fewer examples than a batch (1 label per class) and with several
    batches per pass.
    """
    x, y = ic.select_digits(*tiny_digits, range(5))
    model = ic.with_head(ic.build_base(), 5)
    ic.fit_steps(model, x[:n_examples], y[:n_examples], steps=7)
    assert int(model.optimizer.iterations.numpy()) == 7


def test_head_parameters_by_hand_match_what_keras_trains():
    """|theta| = d K + K when the base is frozen; the whole network when it is not."""
    base = ic.build_base()
    frozen = ic.with_head(base, 5, trainable_base=False)
    assert ic.n_trainable(frozen) == ic.head_parameters(1600, 5) == 1600 * 5 + 5
    convs = (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64)
    source = ic.with_head(ic.build_base(), 5, hidden=128)
    assert ic.n_trainable(source) == convs + ic.head_parameters(1600, 5, hidden=128)
    assert ic.n_trainable(source) == source.count_params()


def test_weight_changes_show_the_frozen_base_stays_and_fine_tuning_moves_it(tiny_digits):
    seed_everything(0)
    x, y = ic.select_digits(*tiny_digits, range(5))
    model = ic.with_head(ic.build_base(), 5, trainable_base=False)
    changes = ic.weight_changes(model, lambda: ic.fit_steps(model, x, y, steps=5))
    assert changes["conv_base"] == 0.0
    assert changes["head"] > 0.0
    changes = ic.weight_changes(model, lambda: ic.fine_tune(model, x, y, steps=5))
    assert changes["conv_base"] > 0.0
    assert ic.n_trainable(model) == model.count_params()
    assert int(model.optimizer.iterations.numpy()) == 5  # a new optimiser: 5 steps


def test_draw_transfer_draws_both_stages_from_the_base_layers():
    import keras
    import matplotlib.pyplot as plt

    from mlbook import plotting

    base = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(8, 5),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
        ]
    )
    ax = ic.draw_transfer(base, source="0–4", target="5–9", hidden=16)
    gids = [p.get_gid() for p in ax.patches]
    # two base boxes per row (conv + flatten); the top row adds dense + softmax, the
    # bottom row one new softmax head
    assert gids.count("input") == 2
    assert gids.count("frozen") == 2
    assert gids.count("trained") == 2 + 2 + 1
    assert gids.count("arrow") == 4 + 3 + 1  # within the rows, and the copy
    texts = [t.get_text() for t in ax.texts]
    assert "conv 5×5\n8 maps\n+ max-pool" in texts
    assert "flatten\n1,152\nfeatures" in texts  # 12 x 12 x 8
    assert "dense\n16 ReLU" in texts
    assert sum("5–9" in t for t in texts) == 2  # the new head and the second title
    assert any("trainable = False" in t for t in texts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["trained", "frozen"]
    assert plotting.figure_problems(ax.figure) == []
    plt.close(ax.figure)


def test_measure_model_counts_saves_and_times_a_tiny_model():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            keras.layers.Conv2D(4, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )
    result = ic.measure_model(model, batch_size=2, repeats=3)
    assert set(result) == {"input_px", "params", "disk_mb", "ms_per_image"}
    assert result["input_px"] == 8
    assert result["params"] == (3 * 3 * 3 * 4 + 4) + (4 * 2 + 2)
    assert result["params"] * 4 / 1e6 < result["disk_mb"] < 1  # float32 + h5 overhead
    assert 0 < result["ms_per_image"] < 1000


@pytest.mark.parametrize("times", [[70, 56, 13], [60, 59, 13], [58, 60, 59]])
def test_plot_families_labels_every_point_without_overlaps(times):
    import matplotlib.pyplot as plt
    import pandas as pd

    from mlbook import plotting

    table = pd.DataFrame(
        {"params": [23.9e6, 25.6e6, 3.5e6], "ms_per_image": times, "disk_mb": [96, 103, 15]},
        index=list(ic.FAMILIES),
    )
    ax = ic.plot_families(table)
    assert len(ax.collections[0].get_offsets()) == 3
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["InceptionV3, 96 MB", "MobileNetV2, 15 MB", "ResNet50, 103 MB"]
    assert len(ax.lines) == 3  # one leader line per label
    assert plotting.figure_problems(ax.figure) == []
    plt.close(ax.figure)


@pytest.mark.slow
def test_build_family_builds_the_named_application_at_any_input_size():
    small = ic.build_family("MobileNetV2", input_shape=(96, 96, 3))
    assert small.input_shape == (None, 96, 96, 3)
    assert small.output_shape == (None, 1000)
    assert small.count_params() == 3_538_984  # the same weights as at 224 x 224


@pytest.mark.parametrize(
    ("shots", "draws"),
    [((1, 10), 2), ((1, 10, 100), 5), ((1, 3, 10, 30, 100), 3)],
)
def test_plot_transfer_shows_every_draw_and_its_legend_covers_no_point(shots, draws):
    import matplotlib.pyplot as plt

    from mlbook import plotting

    rng = np.random.default_rng(0)
    rows = [
        {"shots": k, "draw": r, "transfer": rng.uniform(0.4, 1), "scratch": rng.uniform(0.2, 1)}
        for k in shots
        for r in range(draws)
    ]
    ax = ic.plot_transfer(rows, chance=0.2)
    assert len(ax.get_legend().get_texts()) == 3
    assert [len(c.get_offsets()) for c in ax.collections] == [len(rows)] * 2
    transfer_line = ax.lines[0]
    assert transfer_line.get_ydata()[0] == pytest.approx(
        np.mean([r["transfer"] for r in rows if r["shots"] == shots[0]])
    )
    assert plotting.figure_problems(ax.figure) == []
    plt.close(ax.figure)
