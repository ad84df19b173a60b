"""Training: the one loop every Keras model of the book is fitted with.

Why not plain ``model.fit(x, y, shuffle=True)``? The book fixes every seed
(:func:`mlbook.repro.seed_everything`) so that a rebuild gives the same numbers. With
TensorFlow's global seed fixed, Keras 3 draws each epoch's order from a random op that is
re-created every epoch with the same seed, so **every epoch sees the same batches in the
same order**. :func:`shuffled_batches` hands ``fit`` a ``tf.data`` pipeline with its own
seed that draws a fresh, reproducible order per epoch, and :func:`train` is the whole
loop around it: hold out data if asked, fit on those batches, return the history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # keras is imported by the models the callers build
    import keras


def shuffled_batches(x, y, batch_size: int, *, seed: int | None = None):
    """Batch ``(x, y)`` for ``model.fit``: a new order each epoch, the same every run.

    Why not ``model.fit(x, y, shuffle=True)``? Once ``mlbook.repro.seed_everything``
    has set TensorFlow's global seed, Keras 3 (TensorFlow backend) draws each epoch's
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
        ``mlbook.repro.seed_everything`` has seeded.

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
        got = sorted(lengths)
        raise ValueError(f"x and y must have the same number of examples, got {got}")
    (n,) = lengths
    if seed is None:
        seed = int(np.random.randint(2**31 - 1))
    x_t, y_t = tf.nest.map_structure(tf.constant, (x, y))
    order = tf.data.Dataset.range(n).shuffle(
        n,
        seed=seed,
        reshuffle_each_iteration=True,
    )

    def gather(i):
        return tf.nest.map_structure(lambda a: tf.gather(a, i), (x_t, y_t))

    return order.batch(batch_size).map(gather).prefetch(tf.data.AUTOTUNE)


def split_last(arrays, fraction: float):
    """Split each array of a nested structure into its first and its last *fraction*.

    The split is the one Keras' ``validation_split`` makes (no shuffling).

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


def correct(model: keras.Model, x, y, batch_size: int = 1024) -> np.ndarray:
    """Right (True) or wrong per example, the model in inference mode: shape ``(n,)``.

    The model is called eagerly, a batch at a time: ``model.predict`` builds a new
    ``tf.function`` for every model it is given, and from the fifth model on TensorFlow
    logs a "retracing" warning onto the page. Two models' arrays on the same examples are
    what :func:`mlbook.verdict.compare_paired` compares.
    """
    x, y = np.asarray(x), np.asarray(y)
    labels = [
        np.argmax(np.asarray(model(x[i : i + batch_size], training=False)), axis=1)
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(labels) == y


def steps_per_epoch(n_examples: int, batch_size: int) -> int:
    """Gradient steps in one epoch: the last, smaller batch counts too."""
    return -(-n_examples // batch_size)


def train(
    model: keras.Model,
    x_train,
    y_train,
    *,
    epochs: int,
    batch_size: int,
    monitor: tuple | None = None,
    validation_split: float | None = None,
    callbacks: list | None = None,
    seed: int | None = None,
    verbose: int = 2,
    **fit_kwargs,
) -> dict[str, list[float]]:
    """Fit a compiled model; return ``history.history`` as lists of floats.

    The batches come in a new order every epoch (``shuffled_batches``; ``seed``
    fixes their orders, by default drawn from NumPy's global generator). Held-out data
    are scored after every epoch (Keras' ``val_*`` metrics) only if given: ``monitor``,
    a separate ``(x, y)``, or ``validation_split``, the last share of the training data,
    held out as Keras' own ``validation_split`` does. ``callbacks`` and any other
    keyword (``validation_batch_size=...``) go to ``model.fit`` as they are.
    """
    if validation_split:
        if monitor is not None:
            raise ValueError("give monitor or validation_split, not both")
        (x_train, y_train), monitor = split_last((x_train, y_train), validation_split)
    history = model.fit(
        shuffled_batches(x_train, y_train, batch_size, seed=seed),
        epochs=epochs,
        validation_data=monitor,
        callbacks=callbacks,
        shuffle=False,  # the batches shuffle themselves
        verbose=verbose,
        **fit_kwargs,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
