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
