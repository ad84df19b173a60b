import random
import subprocess
import sys

import numpy as np

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


def run_fresh(stderr: list[str] | None = None):
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    if stderr is not None:
        stderr.append(out.stderr)
    return out.stdout.strip().splitlines()


def test_tensorflow_start_up_log_does_not_reach_stderr():
    """A page's first cell would otherwise show TensorFlow's oneDNN/absl start-up lines."""
    err: list[str] = []
    run_fresh(err)
    assert "oneDNN" not in err[0] and "absl::InitializeLog" not in err[0], err[0]


def test_tensorflow_gives_identical_numbers_in_fresh_processes():
    a, b = run_fresh(), run_fresh()
    assert a == b  # same weights, noise and dropout mask
    assert a[1] == "1 1"  # the thread settings took effect
