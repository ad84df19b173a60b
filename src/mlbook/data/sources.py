"""The source chain every dataset loader runs, and the pieces its sources share.

A :class:`Source` is a name and a function that returns the arrays. :func:`load_first`
tries the sources in order, verifies what each one returns, keeps the first that
works, says which one that was, and, when every source fails, raises one error that
lists each source tried, why it failed and what to do. :mod:`mlbook.data.mnist` and
:mod:`mlbook.data.cifar10` only list their sources and hand them to it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Seconds allowed for the network probe; offline, no loader may hang longer.
NETWORK_TIMEOUT = float(os.environ.get("MLBOOK_NETWORK_TIMEOUT", "3"))


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


Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Source:
    """One place a dataset may come from.

    Attributes
    ----------
    name : str
        What the reader is told: ``"... loaded from <name>"``, or in the error's list.
    load : callable
        Returns the arrays ``{"x_train", "y_train", "x_test", "y_test"}``; raises any
        exception (with a readable message) when this source cannot provide them.
    keep : callable or None
        Called with the arrays once they are verified, e.g. to cache an offline copy.
    """

    name: str
    load: Callable[[], Arrays]
    keep: Callable[[Arrays], None] | None = None


def load_first(
    dataset: str,
    sources: Sequence[Source],
    verify: Callable[[Arrays], None],
    *,
    what_to_do: str,
    verbose: bool = True,
    note: str = "",
) -> Dataset:
    """Try *sources* in order: the first whose arrays pass *verify* wins.

    Parameters
    ----------
    dataset : str
        The dataset's name in messages, e.g. ``"MNIST"``.
    sources : sequence of Source
        In the order to try them; the ones after the winner are never called.
    verify : callable
        Raises (e.g. :class:`ChecksumError`) unless the arrays are the expected ones.
    what_to_do : str
        The advice that ends the error when every source failed.
    verbose : bool
        Print ``"<dataset> loaded from <source><note>."``.
    note : str
        Appended to that line, e.g. ``"; checksums verified"``.

    Returns
    -------
    Dataset
        The winner's arrays; ``source`` is its name, ``tried`` lists every source tried
        before it as ``"<name>: <ExceptionType>: <message>"``.

    Raises
    ------
    DataUnavailableError
        If every source failed; the message lists each of them and why, then
        *what_to_do*.
    """
    tried: list[str] = []
    for source in sources:
        try:
            arrays = source.load()
            verify(arrays)
        except Exception as exc:  # each source may fail in its own way; report them all
            tried.append(f"{source.name}: {type(exc).__name__}: {exc}")
            continue
        if source.keep is not None:
            source.keep(arrays)
        if verbose:
            print(f"{dataset} loaded from {source.name}{note}.")
        return Dataset(**arrays, source=source.name, tried=tried)
    raise DataUnavailableError(
        f"Could not load {dataset} from any source:\n  - "
        + "\n  - ".join(tried)
        + f"\nWhat to do: {what_to_do}"
    )


def cache_dir() -> Path:
    """Where mlbook keeps verified datasets: ``$MLBOOK_DATA_HOME`` or ``~/.cache/mlbook``."""
    env = os.environ.get("MLBOOK_DATA_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlbook"


def keras_home() -> Path:
    """Keras' own folder (datasets, model weights): ``$KERAS_HOME`` or ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))


def keras_cache_dir() -> Path:
    """Where Keras keeps its datasets: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    return keras_home() / "datasets"


def save_npz(path: Path, arrays: Arrays, *, compressed: bool = False) -> None:
    """Write *arrays* to *path* atomically: a crash never leaves a half-written cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    (np.savez_compressed if compressed else np.savez)(tmp, **arrays)
    os.replace(tmp, path)


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order)."""
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def network_available(
    host: str = "storage.googleapis.com", port: int = 443, timeout: float | None = None
) -> bool:
    """Return True if *host* answers a TCP connection within *timeout* seconds.

    DNS resolution has no timeout of its own, so the probe runs in a daemon thread
    and is abandoned after *timeout*. ``MLBOOK_OFFLINE=1`` skips it (always False).
    The default host is where Keras keeps MNIST and its pretrained weights.
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


def keras_arrays(name: str, cached: Path, host: str, *, download: bool) -> Arrays:
    """Load with the canonical ``keras.datasets.<name>.load_data()``, as a source.

    Without *download*, only from Keras' own cache *cached*; with it, only if *host*
    answers the probe within :data:`NETWORK_TIMEOUT`, so an offline machine never
    waits on a DNS time-out. Keras verifies its file's hash itself.
    """
    if not download and not cached.exists():
        raise FileNotFoundError(f"no Keras cache at {cached}")
    if download and not network_available(host):
        raise ConnectionError(f"{host} did not answer within {NETWORK_TIMEOUT:g} s (offline?)")
    import keras

    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
