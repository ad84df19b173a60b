"""Reproducibility: one call that makes a page give the same numbers every run."""

from __future__ import annotations

import contextlib
import os
import random
import sys
import warnings

import numpy as np

DEFAULT_SEED = 0


def seed_everything(
    seed: int = DEFAULT_SEED, *, tensorflow: bool = True, threads: int | None = None
) -> int:
    """Seed Python, NumPy and (optionally) TensorFlow/Keras, and make TF deterministic.

    Parameters
    ----------
    seed : int
        The seed for every generator.
    tensorflow : bool
        Also seed TensorFlow and Keras, enable op determinism and fix the thread
        pools. Pages that never use TensorFlow pass ``False`` and do not import it.
    threads : int, optional
        Intra-op threads for TensorFlow (default: all cores). Inter-op is 1, so the
        order of independent ops cannot change a result.

    Returns
    -------
    int
        The seed used, so a page can print or glue it.
    """
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses; this one is already hashed
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        _seed_tensorflow(seed, threads or os.cpu_count() or 1)
    return seed


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what C/C++ code writes to the process's stderr (file descriptor 2) to
    ``/dev/null`` while the block runs; Python exceptions still propagate.

    TensorFlow's import writes two log lines through absl ("oneDNN custom operations
    are on ...") before any log level applies, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide
    them, and a Jupyter kernel copies them into the output of whatever cell runs.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _seed_tensorflow(seed: int, threads: int) -> None:
    if "tensorflow" not in sys.modules:
        with native_stderr_silenced():
            import tensorflow  # noqa: F401  (first import: its start-up log goes nowhere)
    import keras
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        # Thread pools are fixed once the TF runtime has started (a second call in
        # the same kernel). Say so only if the settings in force differ.
        current = (
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
        )
        if current != (threads, 1):
            warnings.warn(
                f"TensorFlow was already initialised; thread settings stay {current}",
                RuntimeWarning,
                stacklevel=3,
            )
    keras.utils.set_random_seed(seed)  # python, numpy and the TF/Keras backend
    tf.config.experimental.enable_op_determinism()


def shuffled_batches(x, y, batch_size: int, *, seed: int | None = None):
    """Batches of ``(x, y)`` for ``model.fit``: a new order every epoch, the same
    orders every run.

    Why not ``model.fit(x, y, shuffle=True)``? Once :func:`seed_everything` has set
    TensorFlow's global seed, Keras 3 (TensorFlow backend) draws each epoch's
    permutation from a random op that is re-created every epoch with the same seed, so
    **every epoch sees the same batches in the same order**. A ``tf.data`` shuffle with
    its own seed and ``reshuffle_each_iteration=True`` draws a fresh, reproducible
    order per epoch.

    Parameters
    ----------
    x, y : array or tuple/dict of arrays
        Inputs and targets with the same first dimension (tuples/dicts for models with
        several inputs or outputs).
    batch_size : int
    seed : int, optional
        Seed of the shuffle; by default drawn from NumPy's global generator, which
        :func:`seed_everything` has seeded.

    Returns
    -------
    tf.data.Dataset
        Pass it to ``model.fit`` in place of ``x, y``, without ``batch_size``, and with
        ``shuffle=False``: the dataset shuffles itself, and Keras warns that it will
        not shuffle a dataset when ``fit``'s default ``shuffle=True`` is left in place.
    """
    import tensorflow as tf

    lengths = {len(a) for a in tf.nest.flatten((x, y))}
    if len(lengths) != 1:
        raise ValueError(f"x and y must have the same number of examples, got {sorted(lengths)}")
    (n,) = lengths
    if seed is None:
        seed = int(np.random.randint(2**31 - 1))
    x_t, y_t = tf.nest.map_structure(tf.constant, (x, y))
    order = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    return (
        order.batch(batch_size)
        .map(lambda i: tf.nest.map_structure(lambda a: tf.gather(a, i), (x_t, y_t)))
        .prefetch(tf.data.AUTOTUNE)
    )


def split_last(arrays, fraction: float):
    """Split every array of a (nested) structure into its first ``1 - fraction`` and its
    last ``fraction``, as Keras' ``validation_split`` does (no shuffling).

    Returns ``(head, tail)`` with the structure of *arrays*.
    """
    import tensorflow as tf

    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    flat = tf.nest.flatten(arrays)
    n_head = int(len(flat[0]) * (1 - fraction))
    head = tf.nest.pack_sequence_as(arrays, [a[:n_head] for a in flat])
    tail = tf.nest.pack_sequence_as(arrays, [a[n_head:] for a in flat])
    return head, tail
