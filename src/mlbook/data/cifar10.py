"""CIFAR-10: Keras' canonical loader, the verified archive, or a clearly named stand-in.

The archive comes through :func:`mlbook.data.downloads.fetch` (its sha256 pinned, a
mirror possible with ``MLBOOK_DATA_MIRROR``). No package registry carries CIFAR-10, so
the offline source is not a copy of it but :func:`~mlbook.data.standin.cifar10_stand_in`,
whose ``source`` starts with ``"stand-in"``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from mlbook.data import downloads
from mlbook.data.sources import (
    Arrays,
    ChecksumError,
    Dataset,
    Source,
    cache_dir,
    keras_arrays,
    keras_cache_dir,
    load_first,
    save_npz,
)
from mlbook.data.standin import CIFAR10_STAND_IN_VERSION, cifar10_stand_in

#: The ten CIFAR-10 classes, in label order.
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CIFAR10_HOST = "www.cs.toronto.edu"
CIFAR10_STAND_IN_SOURCE = (
    "stand-in: mlbook's procedural 'shapes and textures' images "
    "(NOT CIFAR-10; same shape and label format, generated offline "
    "because keras.datasets.cifar10 was unavailable)"
)


def _keras_cache() -> Path:
    return keras_cache_dir() / "cifar-10-batches-py-target"


def _from_keras_cache() -> Arrays:
    """``keras.datasets.cifar10.load_data()`` from Keras' own cache (never downloads)."""
    return keras_arrays("cifar10", _keras_cache(), CIFAR10_HOST, download=False)


def read_cifar10_batches(folder: Path) -> Arrays:
    """Read the python-format CIFAR-10 batches in *folder* (``cifar-10-batches-py``).

    Five ``data_batch_<i>`` files and a ``test_batch``, each a pickled dict with
    ``b"data"`` (uint8, ``(n, 3072)``: the red, green and blue planes of 32 x 32 images)
    and ``b"labels"``; returned channels-last, as ``keras.datasets.cifar10`` does.
    """

    def batch(name: str) -> tuple[np.ndarray, np.ndarray]:
        path = folder / name
        if not path.exists():
            raise FileNotFoundError(f"CIFAR-10 batch {path} is missing")
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")  # the archive's sha256 was verified
        x = np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        y = np.asarray(d[b"labels"], dtype=np.uint8).reshape(-1, 1)
        return x.transpose(0, 2, 3, 1), y

    train = [batch(f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = batch("test_batch")
    return {
        "x_train": np.concatenate([x for x, _ in train]),
        "y_train": np.concatenate([y for _, y in train]),
        "x_test": x_test,
        "y_test": y_test,
    }


def _from_archive() -> Arrays:
    """Read the verified ``cifar-10-python.tar.gz`` (cached, or from its origin or a mirror)."""
    return read_cifar10_batches(downloads.fetch(downloads.CIFAR10))


def _verify_cifar10_shapes(arrays: Arrays, n_train: int = 50_000, n_test: int = 10_000) -> None:
    shapes = {
        "x_train": (n_train, 32, 32, 3),
        "y_train": (n_train, 1),
        "x_test": (n_test, 32, 32, 3),
        "y_test": (n_test, 1),
    }
    for name, shape in shapes.items():
        a = arrays.get(name)
        if a is None or a.shape != shape or a.dtype != np.uint8:
            got = "missing" if a is None else f"{a.dtype} {a.shape}"
            raise ChecksumError(f"CIFAR-10 {name}: expected uint8 {shape}, got {got}")
    if arrays["y_train"].max() > 9 or arrays["y_test"].max() > 9:
        raise ChecksumError("CIFAR-10 labels outside 0-9")


def _stand_in_cached(seed: int = 10) -> Arrays:
    """:func:`cifar10_stand_in` at full size, kept in mlbook's cache after the first call."""
    path = cache_dir() / f"cifar10-stand-in-v{CIFAR10_STAND_IN_VERSION}-seed{seed}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
            _verify_cifar10_shapes(arrays)
            return arrays
        except Exception:  # corrupt or partial: regenerate below
            path.unlink(missing_ok=True)
    arrays = cifar10_stand_in(seed=seed)
    save_npz(path, arrays)
    return arrays


def load_cifar10(*, verbose: bool = True, stand_in: bool = True) -> Dataset:
    """Load CIFAR-10 with ``keras.datasets.cifar10.load_data()``, else a labelled stand-in.

    Order: the canonical loader from Keras' own cache (Keras checks the archive's
    sha256); the archive itself through :func:`mlbook.data.downloads.fetch` (cached,
    else downloaded from its origin, or ``$MLBOOK_DATA_MIRROR``, if that answers within
    :data:`~mlbook.data.sources.NETWORK_TIMEOUT`; sha256 verified); then, since no package registry
    carries CIFAR-10, :func:`~mlbook.data.standin.cifar10_stand_in`, whose ``source``
    starts with ``"stand-in"``: results on it are **not** CIFAR-10 results, and a page
    using it must say so.

    Returns
    -------
    Dataset
        ``x_*`` uint8 ``(n, 32, 32, 3)``, ``y_*`` uint8 ``(n, 1)``, n = 50000 / 10000.

    Raises
    ------
    DataUnavailableError
        If the real data is unavailable and ``stand_in`` is False.
    """
    sources = [
        Source(
            "keras.datasets.cifar10.load_data() (canonical, Keras cache)",
            _from_keras_cache,
        ),
        Source(f"the CIFAR-10 archive {downloads.CIFAR10.name} (sha256 verified)", _from_archive),
    ]
    if stand_in:
        sources.append(Source(CIFAR10_STAND_IN_SOURCE, _stand_in_cached))
    return load_first(
        "CIFAR-10",
        sources,
        _verify_cifar10_shapes,
        verbose=verbose,
        what_to_do="connect to the internet once (Keras then caches the archive).",
    )
