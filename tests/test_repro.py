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


@pytest.mark.slow  # two fresh Python processes that import TensorFlow
def test_tensorflow_start_up_log_does_not_reach_stderr(two_fresh_runs):
    """A page's first cell would otherwise show TensorFlow's oneDNN/absl start-up lines."""
    err = two_fresh_runs[0].stderr
    assert "oneDNN" not in err, err
    assert "absl::InitializeLog" not in err, err


@pytest.mark.slow  # two fresh Python processes that import TensorFlow
def test_tensorflow_gives_identical_numbers_in_fresh_processes(two_fresh_runs):
    a, b = (run.stdout.strip().splitlines() for run in two_fresh_runs)
    assert a == b  # same weights, noise and dropout mask
    assert a[1] == "1 1"  # the thread settings took effect
