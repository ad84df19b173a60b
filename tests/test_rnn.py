import numpy as np
import pytest

from mlbook import rnn, training


def test_as_sequences_rows_are_time_steps(tiny_digits):
    x, y = tiny_digits
    xs, ys = rnn.as_sequences(x, y, size=100)
    assert xs.shape == (100, 28, 28)
    assert xs.dtype == np.float32
    assert xs.max() <= 1.0
    assert len(np.unique(ys)) == 10
    with pytest.raises(ValueError, match="expected images"):
        rnn.as_sequences(x.reshape(len(x), -1), y)


def test_the_seed_model_fails_on_pixels(tiny_digits):
    """The notes feed pixel intensities to Embedding(784, 128), then a 4-D tensor to an LSTM."""
    x, y = rnn.as_sequences(*tiny_digits)
    error = rnn.run_seed_code(x[:16], y[:16])
    assert error.startswith("ValueError")
    assert "ndim=3" in error
    assert "ndim=4" in error
    # the corrected model (rows as time steps) runs on the same data
    model = rnn.build_rnn("SimpleRNN", units=8)
    assert np.isfinite(
        training.train(model, x[:16], y[:16], epochs=1, batch_size=16, verbose=0)["loss"][0]
    )


def test_numpy_recurrence_matches_keras_simple_rnn():
    import keras

    layer = keras.layers.SimpleRNN(6, return_sequences=True)
    seq = np.random.default_rng(1).normal(size=(10, 4)).astype("float32")
    expected = np.asarray(layer(seq[None]))[0]
    states = rnn.simple_rnn_states(seq, *layer.get_weights())
    assert states.shape == (10, 6)
    assert np.allclose(states, expected, atol=1e-5)


@pytest.mark.parametrize(("kind", "sets"), [("SimpleRNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_build_rnn_cells_and_parameter_counts(kind, sets):
    model = rnn.build_rnn(kind, units=8)
    simple = 8 * (28 + 8 + 1)
    extra_bias = 3 * 8 if kind == "GRU" else 0  # Keras' GRU: reset_after=True
    assert model.count_params() == sets * simple + extra_bias + 8 * 10 + 10
    assert model.output_shape == (None, 10)


def test_build_rnn_rejects_unknown_cells():
    with pytest.raises(ValueError, match="kind"):
        rnn.build_rnn("Transformer")


def test_stepwise_proba_ends_at_the_model_prediction(tiny_digits):
    x, _ = rnn.as_sequences(*tiny_digits)
    model = rnn.build_rnn("GRU", units=8)
    states, proba = rnn.stepwise_proba(model, x[0])
    assert states.shape == (28, 8)
    assert proba.shape == (28, 10)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(proba[-1], model.predict(x[:1], verbose=0)[0], atol=1e-5)


@pytest.mark.slow
def test_fit_and_score_reports_a_row(tiny_digits):
    x, y = rnn.as_sequences(*tiny_digits)
    _, row = rnn.fit_and_score(
        "SimpleRNN", x[:64], y[:64], x[64:96], y[64:96], units=4, epochs=1, batch_size=64
    )
    assert set(row) == {"kind", "params", "seconds", "accuracy"}
    assert row["seconds"] > 0
    assert 0 <= row["accuracy"] <= 1


def test_windows_pair_each_window_with_the_next_value():
    series = np.arange(10, dtype="float32")
    X, y = rnn.make_windows(series, 3)
    assert X.shape == (7, 3, 1)
    assert y.shape == (7,)
    assert X[0, :, 0].tolist() == [0, 1, 2]
    assert y[0] == 3
    assert y[-1] == 9


def test_signal_is_periodic_plus_noise():
    clean = rnn.make_signal(480, noise=0.0)
    assert np.allclose(clean[:24], clean[24:48], atol=1e-5)  # period 24
    noisy = rnn.make_signal(4800, noise=0.2, seed=1)
    resid = noisy - rnn.make_signal(4800, noise=0.0)
    assert abs(resid.std() - 0.2) < 0.01
    assert np.array_equal(noisy, rnn.make_signal(4800, noise=0.2, seed=1))


def test_baselines_seasonal_naive_is_exact_without_noise_and_twice_the_floor_with():
    X, y = rnn.make_windows(rnn.make_signal(2000, noise=0.0), 48)
    assert rnn.baseline_mse(X, y)["one period ago"] < 1e-10
    X, y = rnn.make_windows(rnn.make_signal(20000, noise=0.2), 48)
    mse = rnn.baseline_mse(X, y)
    assert abs(mse["one period ago"] - 2 * 0.04) < 0.01
    assert mse["last value"] > mse["one period ago"]


def test_forecaster_shapes_and_recursive_forecast():
    model = rnn.build_forecaster("GRU", units=4, window=12)
    assert model.output_shape == (None, 1)
    out = rnn.forecast_recursive(model, np.zeros(12, "float32"), steps=5)
    assert out.shape == (5,)
    assert np.isfinite(out).all()


def test_lstm_step_by_hand_matches_keras_lstm_cell():
    import keras

    keras.utils.set_random_seed(0)
    cell = keras.layers.LSTMCell(5)
    rng = np.random.default_rng(0)
    x = rng.normal(size=3).astype("float32")
    h0, c0 = (0.5 * rng.normal(size=(2, 5))).astype("float32")
    _, (h, c) = cell(x[None], [h0[None], c0[None]])
    ours_h, ours_c = rnn.lstm_step(x, h0, c0, *cell.get_weights())
    np.testing.assert_allclose(ours_h, np.asarray(h)[0], atol=1e-6)
    np.testing.assert_allclose(ours_c, np.asarray(c)[0], atol=1e-6)


def test_lstm_step_on_numbers_one_can_check_by_hand():
    # one unit, one feature; only the candidate has a weight: i = f = o = 1/2, g = tanh(1)
    W = np.array([[0.0, 0.0, 1.0, 0.0]])
    h, c = rnn.lstm_step(
        np.array([1.0]), np.zeros(1), np.zeros(1), W, np.zeros((1, 4)), np.zeros(4)
    )
    assert np.isclose(c[0], 0.5 * np.tanh(1.0))
    assert np.isclose(h[0], 0.5 * np.tanh(0.5 * np.tanh(1.0)))


def test_gradient_norms_vanish_for_small_and_grow_for_large_recurrent_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    W, b = 0.5 * rng.normal(size=(3, 6)), np.zeros(6)
    U = np.linalg.qr(rng.normal(size=(6, 6)))[0]  # orthogonal: norm 1, like Keras' init
    norms = rnn.gradient_norms(x, W, U, b)
    assert norms.shape == (30,)
    assert norms[0] <= 1 + 1e-9  # one step back: |1 - h^2| <= 1 and |U| = 1
    assert norms[-1] < 1e-2 * norms[0]  # many steps back: vanished
    small = rnn.gradient_norms(x, W, 0.5 * U, b)
    assert small[-1] < norms[-1]


def test_draw_unrolled_rnn_counts_cells_arrows_and_labels():
    import matplotlib.pyplot as plt

    ax = rnn.draw_unrolled_rnn(5)
    assert sum(p.get_gid() == "cell" for p in ax.patches) == 5
    assert sum(p.get_gid() == "arrow" for p in ax.patches) == 3 * 5
    labels = {t.get_text() for t in ax.texts}
    assert {"$x_1$", "$x_5$", "$h_5$", "$h_0 = 0$", "$U$", "$W$"} <= labels
    assert ax.figure.get_size_inches()[0] <= 7
    plt.close(ax.figure)


def test_draw_lstm_cell_has_four_layers_five_operations_and_its_labels():
    import matplotlib.pyplot as plt

    ax = rnn.draw_lstm_cell()
    assert sum(p.get_gid() == "layer" for p in ax.patches) == 4
    assert sum(p.get_gid() == "op" for p in ax.patches) == 5
    assert sum(p.get_gid() == "arrow" for p in ax.patches) == 4 + 11
    texts = [t.get_text() for t in ax.texts]
    for name in ("forget", "input", "candidate", "output"):
        assert any(t.startswith(name) for t in texts)
    assert sorted(t for t in texts if t in {"×", "+"}) == ["+", "×", "×", "×"]
    assert {"$c_{t-1}$", "$c_t$", "$h_t$", "$h_{t-1}$, $x_t$"} <= set(texts)
    assert ax.figure.get_size_inches()[0] <= 7
    plt.close(ax.figure)


def _toy_reading(n=28, units=40, seed=0):
    """Make up a digit, states and probabilities of the right shapes (no training)."""
    rng = np.random.default_rng(seed)
    image = np.zeros((n, n), "float32")
    image[n // 4 : -n // 4, n // 3 : -n // 3] = 1.0  # a block of ink in the middle
    states = np.tanh(rng.normal(size=(n, units))).astype("float32")
    logits = rng.normal(size=(n, 10)) + np.linspace(0, 6, n)[:, None] * (np.arange(10) == 3)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return image, states, proba


def test_explore_steps_gives_one_frame_per_step_of_one_size_and_true_rows():
    import matplotlib.pyplot as plt

    from mlbook import explorable
    from mlbook.plotting import figure_problems, use_book_style

    image, states, proba = _toy_reading()
    steps = [1, 4, 8, 12, 16, 20, 24, 28]
    open_before = set(plt.get_fignums())
    with plt.rc_context():  # the book's style, as on the page, for this test only
        use_book_style()
        frames, rows = rnn.explore_steps(image, states, proba, label=3, steps=steps)
    assert len(frames) == len(rows) == len(steps)
    assert [r["rows_read"] for r in rows] == steps
    for fig, r, t in zip(frames, rows, steps, strict=True):
        p = proba[t - 1]
        assert r["predicted"] == p.argmax()
        assert r["p_true"] == pytest.approx(p[3])
        assert r["p_top"] == pytest.approx(p.max())
        ax = {a.get_label(): a for a in fig.axes}
        drawn = np.ma.filled(ax["state"].get_images()[0].get_array().astype(float), np.nan)
        assert drawn.shape == (28, 32)  # the first 32 units
        np.testing.assert_allclose(drawn[:t], states[:t, :32], rtol=1e-6)
        assert np.isnan(drawn[t:]).all()  # rows not read yet are blank
        assert ax["state"].get_images()[0].get_clim() == (
            pytest.approx(-np.abs(states[:, :32]).max()),
            pytest.approx(np.abs(states[:, :32]).max()),
        )  # one symmetric scale for every frame
        heights = [b.get_height() for b in ax["p"].patches]
        np.testing.assert_allclose(heights, p)
        colours = [b.get_facecolor() for b in ax["p"].patches]
        assert len(set(colours)) == 2
        assert colours.count(colours[3]) == 1  # the true digit stands out
        assert ax["p"].get_ylim() == (0, 1)
        assert ax["digit"].patches[0].get_y() == pytest.approx(t + 0.5)  # grey from t + 1
        assert fig.get_layout_engine() is not None
        fig.set_dpi(explorable.FRAME_DPI)  # legible as the player shows it
        assert figure_problems(fig) == []
        assert all(ax[k].get_title() for k in ("digit", "state", "p"))
    pngs = [explorable.frame_png(fig) for fig in frames]
    assert {explorable.png_size(png) for png in pngs} == {(7 * 80, round(3.4 * 80))}
    assert len(set(pngs)) == len(steps)  # the frames differ
    assert set(plt.get_fignums()) <= open_before  # frame_png closed them
    labels = [str(t) for t in steps]
    box = explorable.frames_player(pngs, labels, labels, name="rows", description="rows")
    assert len(box.children[2].children) == len(steps)


def test_explore_steps_frames_go_into_the_player_and_are_closed():
    import matplotlib.pyplot as plt

    from mlbook import explorable

    image, states, proba = _toy_reading(n=12, units=5)
    open_before = set(plt.get_fignums())
    frames, rows = rnn.explore_steps(image, states, proba, label=0, steps=range(2, 13, 2))
    assert rows[-1]["rows_read"] == 12
    assert frames[0]._suptitle.get_text().startswith("After 2 of 12 rows")
    labels = [str(r["rows_read"]) for r in rows]
    box = explorable.frames_player(
        frames, labels, labels, name="rows", description="rows read", start=len(rows) - 1
    )
    assert box.children[0].index == len(rows) - 1
    assert set(plt.get_fignums()) <= open_before


def test_explore_steps_refuses_steps_outside_the_sequence():
    image, states, proba = _toy_reading(n=6, units=4)
    with pytest.raises(ValueError, match=r"1 to 6; got \[0, 7\]"):
        rnn.explore_steps(image, states, proba, label=1, steps=[0, 3, 7])
    with pytest.raises(ValueError, match="need 6 rows each"):
        rnn.explore_steps(image, states[:5], proba, label=1, steps=[3])
