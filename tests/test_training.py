"""Tests of mlbook.training: the batches, the held-out split and the training loop."""

import numpy as np
import pytest

from mlbook import deep_learning as dl
from mlbook import training
from mlbook.repro import seed_everything


class _RecordBatches:
    """A Keras model whose training step records the inputs it is given, in order."""

    def __new__(cls):
        import keras

        class Recorder(keras.Model):
            def __init__(self):
                super().__init__()
                self.seen = []
                self.dense = keras.layers.Dense(1)

            def call(self, x):
                return self.dense(x)

            def train_step(self, data):
                self.seen.append(data[0].numpy().ravel().astype(int).tolist())
                return {"steps": 1.0}

        model = Recorder()
        model.compile(run_eagerly=True)
        return model


def epochs_seen(fit_args, epochs=3, **kwargs):
    model = _RecordBatches()
    model.fit(*fit_args, epochs=epochs, verbose=0, **kwargs)
    return model.seen


def orders_trained(epochs=3, **kwargs):
    """Return the batches ``training.train`` feeds a model: 10 examples in batches of 5."""
    model = _RecordBatches()
    x = np.arange(10, dtype="float32").reshape(-1, 1)
    training.train(model, x, np.zeros(10), epochs=epochs, batch_size=5, verbose=0, **kwargs)
    return [model.seen[e] + model.seen[e + 1] for e in range(0, 2 * epochs, 2)]  # one per epoch


def test_keras_fit_shuffle_repeats_one_order_under_a_global_seed():
    """Show the trap shuffled_batches exists for.

    With TensorFlow's global seed set, Keras 3's own per-epoch shuffle gives every epoch
    the same order. If this test starts failing, Keras has fixed it and shuffled_batches
    could go.
    """
    seed_everything(0)
    x = np.arange(8, dtype="float32").reshape(-1, 1)
    seen = epochs_seen((x, np.zeros(8)), batch_size=8, shuffle=True)
    assert seen[0] == seen[1] == seen[2]
    assert sorted(seen[0]) == list(range(8))
    assert seen[0] != list(range(8))


def test_shuffled_batches_reshuffle_every_epoch_and_repeat_across_runs():
    seed_everything(0)
    x = np.arange(10, dtype="float32").reshape(-1, 1)
    first = epochs_seen((training.shuffled_batches(x, np.zeros(10), 5),), shuffle=False)
    batches = [first[e] + first[e + 1] for e in range(0, 6, 2)]  # 2 batches per epoch
    assert all(sorted(b) == list(range(10)) for b in batches)  # each epoch: every example once
    assert len({tuple(b) for b in batches}) == 3  # a new order every epoch
    seed_everything(0)
    again = epochs_seen((training.shuffled_batches(x, np.zeros(10), 5),), shuffle=False)
    assert again == first  # reproducible


def test_shuffled_batches_keep_pairs_and_nested_structures():
    x = {"a": np.arange(6), "b": np.arange(6) * 10}
    y = (np.arange(6) * 100, np.arange(6) + 0.5)
    for bx, by in training.shuffled_batches(x, y, 4, seed=1):
        a = bx["a"].numpy()
        np.testing.assert_array_equal(bx["b"].numpy(), a * 10)
        np.testing.assert_array_equal(by[0].numpy(), a * 100)
        np.testing.assert_array_equal(by[1].numpy(), a + 0.5)


def test_shuffled_batches_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="same number of examples"):
        training.shuffled_batches(np.zeros((5, 2)), np.zeros(4), 2)


def test_split_last_matches_keras_validation_split():
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    x, y = np.arange(25).reshape(-1, 1), np.arange(25)
    ((xh, _yh), (_xt, yt)) = training.split_last((x, y), 0.1)
    (kx, _ky), (_vx, vy) = train_validation_split((x, y), validation_split=0.1)
    np.testing.assert_array_equal(xh, kx)
    np.testing.assert_array_equal(yt, vy)
    with pytest.raises(ValueError, match="between 0 and 1"):
        training.split_last((x, y), 1.0)


def test_steps_per_epoch_counts_the_last_partial_batch():
    assert training.steps_per_epoch(60_000, 32) == 1875
    assert training.steps_per_epoch(10, 3) == 4


def test_train_learns_and_reports_held_out_metrics(tiny_digits):
    seed_everything(0)
    x, y = dl.prepare(*tiny_digits)
    model = dl.build_mlp(units=32)
    history = training.train(
        model, x[:250], y[:250], epochs=8, batch_size=32, monitor=(x[250:], y[250:]), verbose=0
    )
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(type(v) is float for vals in history.values() for v in vals)
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.5  # chance is 0.1


def test_without_monitor_keras_reports_no_held_out_metric(tiny_digits):
    """The notes' claim 'evaluated on the test set after each epoch' is false."""
    x, y = dl.prepare(*tiny_digits)
    history = training.train(dl.build_mlp(units=8), x, y, epochs=1, batch_size=64, verbose=0)
    assert not any(k.startswith("val_") for k in history)


def test_train_takes_monitor_or_validation_split_not_both(tiny_digits):
    x, y = dl.prepare(*tiny_digits)
    with pytest.raises(ValueError, match="not both"):
        training.train(
            dl.build_mlp(units=4),
            x,
            y,
            epochs=1,
            batch_size=32,
            monitor=(x, y),
            validation_split=0.1,
            verbose=0,
        )


def test_train_with_a_seed_repeats_its_orders_whatever_numpy_did():
    seed_everything(0)
    first = orders_trained(seed=7)
    assert all(sorted(order) == list(range(10)) for order in first)  # every example once
    assert len({tuple(order) for order in first}) == 3  # a new order every epoch
    np.random.rand(5)  # NumPy's global generator moves on; an explicit seed ignores it
    assert orders_trained(seed=7) == first
    assert orders_trained(seed=8) != first


def test_train_without_a_seed_draws_it_once_from_numpy():
    """``seed=None`` consumes one draw of NumPy's global generator, as pages always did.

    It gives the same orders as that draw passed explicitly, and the generator moves on
    by one.
    """
    seed_everything(0)
    state = np.random.get_state()
    drawn = int(np.random.randint(2**31 - 1))
    after_one_draw = np.random.rand()
    np.random.set_state(state)
    default = orders_trained()
    assert np.random.rand() == after_one_draw
    assert orders_trained(seed=drawn) == default


def test_train_passes_callbacks_and_fit_keywords_to_fit(tiny_digits):
    import keras

    x, y = dl.prepare(*tiny_digits)
    ended = []
    history = training.train(
        dl.build_mlp(units=4),
        x[:64],
        y[:64],
        epochs=3,
        batch_size=32,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: ended.append(e))],
        initial_epoch=1,  # not a parameter of train: it goes to fit as it is
        seed=0,
        verbose=0,
    )
    assert ended == [1, 2]
    assert len(history["loss"]) == 2


def test_correct_matches_predict_batch_by_batch():
    import keras

    seed_everything(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    y = rng.integers(0, 3, size=50)
    models = [
        keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        for _ in range(6)  # predict() on a sixth model would log a retracing warning
    ]
    for model in models:
        right = training.correct(model, x, y, batch_size=16)  # 4 batches, the last short
        expected = np.argmax(model.predict(x, verbose=0), axis=1) == y
        np.testing.assert_array_equal(right, expected)
        assert right.dtype == bool
        assert right.shape == (50,)
