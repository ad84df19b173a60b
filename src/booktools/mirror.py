"""A local stand-in for the internet: the book's downloads in their real formats, small.

    python -m booktools.mirror FOLDER [--port 8765]   # write the files, then serve them

Writes, under their real names (:data:`mlbook.data.downloads.DOWNLOADS`), files in the
formats the book's online path reads -- a CIFAR-10 python tarball with the real layout,
ImageNet's class index, InceptionV3 weights saved from ``weights=None`` (the real ``.h5``
layout, random values) and an SSD SavedModel archive with the model zoo's folders and
output signature -- and serves them over HTTP on 127.0.0.1, so that
``MLBOOK_DATA_MIRROR=http://127.0.0.1:<port>`` sends every download there. The unit tests
(``tests/test_downloads.py``) and the publish dry run (``make publish-check``) use it.
The files are not the real data: a page built against this mirror shows the online
path working, not real results.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import io
import json
import pickle
import tarfile
import tempfile
import threading
from pathlib import Path

import numpy as np

#: Images per CIFAR-10 batch file in the small archive.
PER_BATCH = 6


def targz(members: dict[str, bytes]) -> bytes:
    """Return a ``.tar.gz`` holding *members* (path -> bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cifar10_archive(seed: int = 0, per_batch: int = PER_BATCH) -> tuple[bytes, np.ndarray]:
    """Make a ``cifar-10-python.tar.gz`` with the real layout and pickles, small.

    Returns the archive and its first training image (channels-last), so a reader of
    the archive can be checked.
    """
    rng = np.random.default_rng(seed)
    members, first = {}, None
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        if first is None:
            first = data[0].reshape(3, 32, 32).transpose(1, 2, 0)
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in rng.integers(0, 10, per_batch)],
            b"data": data,
            b"filenames": [f"img_{k}.png".encode() for k in range(per_batch)],
        }
        members[f"cifar-10-batches-py/{name}"] = pickle.dumps(batch, protocol=2)
    meta = {b"label_names": [b"airplane", b"automobile"], b"num_cases_per_batch": per_batch}
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps(meta, protocol=2)
    return targz(members), first


def class_index() -> bytes:
    """Make ImageNet's class index in Keras' format: ``{"0": ["n00000000", "class_0"]}``."""
    return json.dumps({str(k): [f"n{k:08d}", f"class_{k}"] for k in range(1000)}).encode()


def inception_weights(path: Path) -> Path:
    """Save InceptionV3's weights (built with ``weights=None``) to *path*.

    In the legacy HDF5 layout of the ``keras-applications`` files (what
    ``InceptionV3(weights=<file>)`` reads from a name ending ``.h5``), not Keras 3's
    ``.weights.h5``.
    """
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    model = keras.applications.InceptionV3(weights=None)
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


def ssd_archive(name: str) -> bytes:
    """Make a tiny SavedModel with the zoo SSD's input and outputs, in the zoo's folders.

    Its signature takes a ``uint8`` batch ``(1, h, w, 3)`` and returns batched
    ``detection_boxes`` (normalised), ``detection_scores``, ``detection_classes`` and
    ``num_detections``: two boxes above a 0.5 score (COCO ids 1 and 17), one below.
    """
    import tensorflow as tf

    class TinyDetector(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
        def __call__(self, images):
            return {
                "detection_boxes": tf.constant(
                    [[[0.1, 0.1, 0.5, 0.5], [0.2, 0.6, 0.4, 0.9], [0.0, 0.0, 1.0, 1.0]]]
                ),
                "detection_scores": tf.constant([[0.9, 0.7, 0.1]]),
                "detection_classes": tf.constant([[1.0, 17.0, 3.0]]),
                "num_detections": tf.constant([3.0]),
            }

    with tempfile.TemporaryDirectory() as tmp:
        tf.saved_model.save(TinyDetector(), str(Path(tmp) / name / "saved_model"))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            tar.add(Path(tmp) / name, arcname=name)
    return buf.getvalue()


def write_all(folder: Path, *, heavy: bool = True) -> dict[str, str]:
    """Write every download into *folder*; return name -> sha256 of what was written.

    *heavy* adds the InceptionV3 weights (~96 MB) and the SSD SavedModel (needs
    TensorFlow).
    """
    from mlbook.data import downloads

    folder.mkdir(parents=True, exist_ok=True)
    (folder / downloads.CIFAR10.name).write_bytes(cifar10_archive()[0])
    (folder / downloads.IMAGENET_CLASS_INDEX.name).write_bytes(class_index())
    if heavy:
        inception_weights(folder / downloads.INCEPTION_V3.name)
        ssd_name = downloads.SSD.name.removesuffix(".tar.gz")
        (folder / downloads.SSD.name).write_bytes(ssd_archive(ssd_name))
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that records the paths asked for and logs nothing."""

    requests: list[str]

    def log_message(self, *args):  # noqa: D102 - keep test and build output clean
        pass

    def do_GET(self):  # noqa: D102
        self.requests.append(self.path)
        super().do_GET()


class Mirror:
    """Serve *folder* over HTTP on 127.0.0.1 (a free port unless *port* is given)."""

    def __init__(self, folder: Path, port: int = 0):
        self.folder = Path(folder)
        self.requests: list[str] = []
        handler_class = type("Handler", (QuietHandler,), {"requests": self.requests})
        handler = functools.partial(handler_class, directory=str(self.folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.stopped = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, name: str, data: bytes) -> str:
        """Serve *data* as *name*; return its sha256."""
        (self.folder / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if not self.stopped:
            self.server.shutdown()
            self.server.server_close()
            self.stopped = True


def main(argv: list[str] | None = None) -> int:
    """Write the files into a folder and serve them until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    hashes = write_all(args.folder)
    mirror = Mirror(args.folder, args.port)
    for name, sha in hashes.items():
        print(f"{sha}  {name}")
    print(f"Serving on {mirror.url} (MLBOOK_DATA_MIRROR={mirror.url}); Ctrl-C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        mirror.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
