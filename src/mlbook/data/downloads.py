"""Every file the book downloads: where from, its pinned hash, one switch to a mirror.

Online, three pages fetch a file: the CNN page CIFAR-10's archive, the image
classification page InceptionV3's ImageNet weights (and ImageNet's class index), the
detection page the TF2 model zoo's SSD. Each is a :class:`Download` below, with the URL
Keras or the model zoo uses and the hash Keras pins. :func:`fetch` gets one:

* from the cache in ``$KERAS_HOME`` (where Keras itself keeps them) when a copy there
  matches the hash: no network;
* else from ``$MLBOOK_DATA_MIRROR/<file name>`` when that variable is set (tests serve
  the files from a local HTTP server; a site can point at its own copy), or from the
  file's origin;
* into a temporary file that replaces the cached one **only after** its hash matched,
  so a truncated or corrupt download is rejected with a message that says what to do
  and never poisons the cache.

The SSD archive's hash is not published by the model zoo and could not be computed
offline here, so it is unpinned: :func:`fetch` then records the hash of the first
verified-complete download beside the file and checks every later use against it
(trust on first use), and says so. Pin it in :data:`SSD` from an online run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from mlbook.data.sources import ChecksumError, DataUnavailableError, keras_home, network_available

#: Environment variable: base URL of a mirror holding the files under their names.
MIRROR_ENV = "MLBOOK_DATA_MIRROR"
#: Environment variable: a JSON file ``{file name: sha256}`` replacing pinned hashes, for
#: a test mirror whose files are stand-ins (``booktools.mirror``); never set it otherwise.
HASHES_ENV = "MLBOOK_DATA_HASHES"


@dataclass(frozen=True)
class Download:
    """One file the book may download.

    Attributes
    ----------
    name : str
        The file's name, in the cache and under a mirror.
    origin : str
        Where it comes from online.
    file_hash : str or None
        sha256 (64 hex digits) or md5 (32, as Keras pins some weights); None: unpinned.
    subdir : str
        Folder under ``$KERAS_HOME``: ``"datasets"`` or ``"models"`` (as Keras uses).
    extract : bool
        A ``.tar.gz`` to unpack beside itself after verification.
    """

    name: str
    origin: str
    file_hash: str | None
    subdir: str
    extract: bool = False

    @property
    def url(self) -> str:
        """The URL :func:`fetch` uses: the mirror's when ``MLBOOK_DATA_MIRROR`` is set."""
        mirror = os.environ.get(MIRROR_ENV, "").strip()
        return f"{mirror.rstrip('/')}/{self.name}" if mirror else self.origin

    @property
    def cached(self) -> Path:
        """Where the verified file lives: ``$KERAS_HOME/<subdir>/<name>``."""
        return keras_home() / self.subdir / self.name


CIFAR10 = Download(
    "cifar-10-python.tar.gz",
    "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",  # as keras pins
    "datasets",
    extract=True,
)
INCEPTION_V3 = Download(
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "9a0d58056eeedaa3f26cb7ebd46da564",  # md5, as keras.applications pins it
    "models",
)
IMAGENET_CLASS_INDEX = Download(
    "imagenet_class_index.json",
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
    "c2c37ea517e94d9795004a39431a14cb",  # md5, as keras.applications pins it
    "models",
)
SSD = Download(
    "ssd_mobilenet_v2_320x320_coco17_tpu-8.tar.gz",
    "http://download.tensorflow.org/models/object_detection/tf2/20200711/"
    "ssd_mobilenet_v2_320x320_coco17_tpu-8.tar.gz",
    None,  # not published by the zoo; recorded on first download (see the module doc)
    "datasets",
    extract=True,
)
DOWNLOADS = {d.name: d for d in (CIFAR10, INCEPTION_V3, IMAGENET_CLASS_INDEX, SSD)}


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of the file at *path* (``"sha256"`` or ``"md5"``), read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _algorithm(file_hash: str) -> str:
    return "md5" if len(file_hash) == 32 else "sha256"


def _recorded_hash(d: Download) -> Path:
    return d.cached.with_name(d.cached.name + ".sha256")


def expected_hash(d: Download) -> str | None:
    """Return the hash *d* must match: pinned, else the one recorded at its first download.

    A test mirror's own hashes (``$MLBOOK_DATA_HASHES``) come first.
    """
    override = os.environ.get(HASHES_ENV)
    if override:
        hashes = json.loads(Path(override).read_text())
        if d.name in hashes:
            return hashes[d.name]
    if d.file_hash:
        return d.file_hash
    recorded = _recorded_hash(d)
    return recorded.read_text().strip() if recorded.exists() else None


def is_cached(d: Download) -> bool:
    """Return True if a copy of *d* in the cache matches its hash."""
    expected = expected_hash(d)
    if not d.cached.exists() or expected is None:
        return False
    return file_digest(d.cached, _algorithm(expected)) == expected


def reachable(d: Download, timeout: float | None = None) -> bool:
    """Return True if *d*'s server (the mirror when set) answers within *timeout* s."""
    parts = urlsplit(d.url)
    if parts.scheme == "file":
        return Path(parts.path).exists()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return network_available(parts.hostname or "", port=port, timeout=timeout)


def available(d: Download, timeout: float | None = None) -> bool:
    """Return True if :func:`fetch` can provide *d*: cached, or its server answers."""
    return is_cached(d) or reachable(d, timeout)


def fetch(d: Download, *, timeout: float = 60.0) -> Path:
    """Return the verified local copy of *d*, downloading it first if needed.

    Returns the file, or for an archive (``extract``) the folder it unpacked into
    (``$KERAS_HOME/<subdir>/<name without .tar.gz>``).

    Raises
    ------
    DataUnavailableError
        If the file is not cached and its server does not answer.
    ChecksumError
        If the download does not match the pinned (or recorded) hash. The cache keeps
        what it had before; nothing half-written is left behind.
    """
    if not is_cached(d):
        _download(d, timeout=timeout)
    if not d.extract:
        return d.cached
    folder = d.cached.parent / d.name.removesuffix(".tar.gz")
    if not (folder / ".complete").exists():
        _extract(d.cached, folder)
    return folder


def _download(d: Download, *, timeout: float) -> None:
    if not reachable(d):
        raise DataUnavailableError(
            f"{d.name} is not in the cache ({d.cached}) and {d.url} did not answer. What to "
            f"do: connect to the internet once, or set {MIRROR_ENV} to a folder or server "
            "holding the file."
        )
    d.cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=d.cached.parent, prefix=f".{d.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(d.url, timeout=timeout) as r:
            length = r.headers.get("Content-Length")
            shutil.copyfileobj(r, out, 1 << 20)
        got_bytes = tmp.stat().st_size
        if length is not None and got_bytes != int(length):
            raise ChecksumError(
                f"{d.url} was cut short ({got_bytes} of {length} bytes); nothing was cached. "
                "What to do: run again (a network hiccup) or check the mirror's copy."
            )
        expected = expected_hash(d)
        algorithm = _algorithm(expected) if expected else "sha256"
        got = file_digest(tmp, algorithm)
        if expected is not None and got != expected:
            raise ChecksumError(
                f"{d.url} is corrupt or not the expected file: its {algorithm} is {got}, "
                f"expected {expected}. Nothing was cached. What to do: run again, or "
                f"replace the mirror's copy (${MIRROR_ENV}) with the original file."
            )
        os.replace(tmp, d.cached)
        if expected is None:  # unpinned: trust on first use, check every later use
            _recorded_hash(d).write_text(got + "\n")
    finally:
        tmp.unlink(missing_ok=True)


def _extract(archive: Path, folder: Path) -> None:
    """Unpack *archive* into *folder* (its members' top folder), marked complete last."""
    staging = Path(tempfile.mkdtemp(dir=archive.parent, prefix=".extract-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
        inner = [p for p in staging.iterdir()]
        top = inner[0] if len(inner) == 1 and inner[0].is_dir() else staging
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(top, folder)
        (folder / ".complete").touch()
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def with_hash(d: Download, file_hash: str | None) -> Download:
    """Return a copy of *d* expecting *file_hash* instead (tests serve their own files)."""
    return replace(d, file_hash=file_hash)
