import random
import subprocess
import sys

import numpy as np
import pytest

from mlbook.repro import seed_everything


def test_python_and_numpy_are_reseeded():
    seed_everything(3, tensorflow=False)
    first = (random.random(), np.random.rand())
    seed_everything(3, tensorflow=False)
    assert (random.random(), np.random.rand()) == first


SCRIPT = """
from mlbook.repro import seed_everything
seed_everything(7, threads=1)
import keras, tensorflow as tf
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5)])
x = tf.random.normal((2, 4))
print(repr(model(x, training=True).numpy().round(6).tolist()))
print(tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads())
"""


@pytest.fixture(scope="module")
def two_fresh_runs() -> list[subprocess.CompletedProcess]:
    """SCRIPT run twice, each in a new Python process (TensorFlow imported afresh)."""
    return [
        subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]


def test_tensorflow_start_up_log_does_not_reach_stderr(two_fresh_runs):
    """A page's first cell would otherwise show TensorFlow's oneDNN/absl start-up lines."""
    err = two_fresh_runs[0].stderr
    assert "oneDNN" not in err and "absl::InitializeLog" not in err, err


def test_tensorflow_gives_identical_numbers_in_fresh_processes(two_fresh_runs):
    a, b = (run.stdout.strip().splitlines() for run in two_fresh_runs)
    assert a == b  # same weights, noise and dropout mask
    assert a[1] == "1 1"  # the thread settings took effect


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


def test_keras_fit_shuffle_repeats_one_order_under_a_global_seed():
    """The trap shuffled_batches exists for: with TensorFlow's global seed set, Keras 3's
    own per-epoch shuffle gives every epoch the same order. If this test starts failing,
    Keras has fixed it and shuffled_batches could go."""
    seed_everything(0)
    x = np.arange(8, dtype="float32").reshape(-1, 1)
    seen = epochs_seen((x, np.zeros(8)), batch_size=8, shuffle=True)
    assert seen[0] == seen[1] == seen[2]
    assert sorted(seen[0]) == list(range(8)) and seen[0] != list(range(8))


def test_shuffled_batches_reshuffle_every_epoch_and_repeat_across_runs():
    from mlbook.repro import shuffled_batches

    seed_everything(0)
    x = np.arange(10, dtype="float32").reshape(-1, 1)
    first = epochs_seen((shuffled_batches(x, np.zeros(10), 5),), shuffle=False)
    batches = [sum(first[e : e + 2], []) for e in range(0, 6, 2)]  # 2 batches per epoch
    assert all(sorted(b) == list(range(10)) for b in batches)  # each epoch: every example once
    assert len({tuple(b) for b in batches}) == 3  # a new order every epoch
    seed_everything(0)
    again = epochs_seen((shuffled_batches(x, np.zeros(10), 5),), shuffle=False)
    assert again == first  # reproducible


def test_shuffled_batches_keep_pairs_and_nested_structures():
    from mlbook.repro import shuffled_batches

    x = {"a": np.arange(6), "b": np.arange(6) * 10}
    y = (np.arange(6) * 100, np.arange(6) + 0.5)
    for bx, by in shuffled_batches(x, y, 4, seed=1):
        a = bx["a"].numpy()
        np.testing.assert_array_equal(bx["b"].numpy(), a * 10)
        np.testing.assert_array_equal(by[0].numpy(), a * 100)
        np.testing.assert_array_equal(by[1].numpy(), a + 0.5)


def test_shuffled_batches_reject_mismatched_lengths():
    from mlbook.repro import shuffled_batches

    with pytest.raises(ValueError, match="same number of examples"):
        shuffled_batches(np.zeros((5, 2)), np.zeros(4), 2)


def test_split_last_matches_keras_validation_split():
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    from mlbook.repro import split_last

    x, y = np.arange(25).reshape(-1, 1), np.arange(25)
    ((xh, yh), (xt, yt)) = split_last((x, y), 0.1)
    (kx, ky), (vx, vy) = train_validation_split((x, y), validation_split=0.1)
    np.testing.assert_array_equal(xh, kx)
    np.testing.assert_array_equal(yt, vy)
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_last((x, y), 1.0)
