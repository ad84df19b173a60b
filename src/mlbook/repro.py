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
    """Send what C/C++ code writes to stderr (file descriptor 2) to ``/dev/null``.

    This lasts while the block runs; Python exceptions still propagate.

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
