"""The online path, offline: every download through a local mirror (issue 16).

A local HTTP server plays the internet (``MLBOOK_DATA_MIRROR``); it serves files in the
real formats, made small here: a CIFAR-10 python tarball with the real layout, an
ImageNet class index, InceptionV3 weights saved from ``weights=None``, and an SSD
SavedModel archive with the model zoo's folder structure and output signature. Each test
goes download -> hash check -> cache -> load -> the chapter function that consumes it;
corrupt and truncated files are refused and leave the cache as it was; a second run
uses the cache with the server gone.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import pickle
import tarfile
import threading
import typing
from pathlib import Path

import numpy as np
import pytest

from mlbook.data import downloads
from mlbook.data.cifar10 import load_cifar10
from mlbook.data.sources import ChecksumError, DataUnavailableError

PER_BATCH = 6  # images per CIFAR-10 batch file in the small archive


class _Mirror:
    """A folder served over HTTP on 127.0.0.1, as ``$MLBOOK_DATA_MIRROR``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.requests: list[str] = []
        handler_class = type("Handler", (_QuietHandler,), {"requests": self.requests})
        handler = functools.partial(handler_class, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.stopped = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, name: str, data: bytes) -> str:
        (self.folder / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def stop(self) -> None:
        if not self.stopped:
            self.server.shutdown()
            self.server.server_close()
            self.stopped = True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: typing.ClassVar[list[str]] = []

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_GET(self):
        type(self).requests.append(self.path)
        super().do_GET()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """Serve a local mirror, with an empty Keras cache in ``$KERAS_HOME``, the network probe on."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    m = _Mirror(folder)
    monkeypatch.setenv(downloads.MIRROR_ENV, m.url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("MLBOOK_DATA_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MLBOOK_OFFLINE", "0")
    yield m
    m.stop()


def _targz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def small_cifar10_archive(seed: int = 0) -> tuple[bytes, np.ndarray]:
    """Make a ``cifar-10-python.tar.gz`` with the real layout and pickles, PER_BATCH images each.

    Returns the archive and the first training image (channels-last), to check the
    reader's reshaping.
    """
    rng = np.random.default_rng(seed)
    members = {}
    first = None
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        data = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)
        if first is None:
            first = data[0].reshape(3, 32, 32).transpose(1, 2, 0)
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in rng.integers(0, 10, PER_BATCH)],
            b"data": data,
            b"filenames": [f"img_{k}.png".encode() for k in range(PER_BATCH)],
        }
        members[f"cifar-10-batches-py/{name}"] = pickle.dumps(batch, protocol=2)
    meta = {b"label_names": [b"airplane", b"automobile"], b"num_cases_per_batch": PER_BATCH}
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps(meta, protocol=2)
    return _targz(members), first


def test_every_download_has_an_origin_and_a_pinned_hash_but_the_ssd():
    for d in downloads.DOWNLOADS.values():
        assert d.origin.startswith(("http://", "https://"))
        assert d.origin.endswith(d.name)
        if d is not downloads.SSD:
            assert d.file_hash
            assert len(d.file_hash) in (32, 64)
    assert downloads.SSD.file_hash is None  # recorded at first use: see the module doc


def test_the_mirror_replaces_the_origin_and_keras_home_the_cache(mirror, tmp_path):
    assert downloads.CIFAR10.url == f"{mirror.url}/cifar-10-python.tar.gz"
    assert downloads.CIFAR10.cached == tmp_path / "keras" / "datasets" / "cifar-10-python.tar.gz"
    assert downloads.INCEPTION_V3.cached.parent == tmp_path / "keras" / "models"


def test_cifar10_download_checksum_cache_load_and_the_chapter_function(mirror, monkeypatch):
    from mlbook import cnn
    from mlbook.data import cifar10

    archive, first = small_cifar10_archive()
    sha = mirror.put(downloads.CIFAR10.name, archive)
    monkeypatch.setattr(downloads, "CIFAR10", downloads.with_hash(downloads.CIFAR10, sha))

    arrays = cifar10._from_archive()
    assert arrays["x_train"].shape == (5 * PER_BATCH, 32, 32, 3)
    assert arrays["y_test"].shape == (PER_BATCH, 1)
    np.testing.assert_array_equal(arrays["x_train"][0], first)
    assert downloads.is_cached(downloads.CIFAR10)
    x, y = cnn.prepare(arrays["x_train"], arrays["y_train"])
    assert x.dtype == np.float32
    assert x.max() <= 1.0
    assert y.shape == (5 * PER_BATCH,)

    mirror.stop()  # a second run needs no network
    again = cifar10._from_archive()
    np.testing.assert_array_equal(again["x_train"], arrays["x_train"])
    assert mirror.requests == [f"/{downloads.CIFAR10.name}"]


def test_load_cifar10_names_the_archive_source_and_checks_the_real_size(mirror, monkeypatch):
    archive, _ = small_cifar10_archive()
    sha = mirror.put(downloads.CIFAR10.name, archive)
    monkeypatch.setattr(downloads, "CIFAR10", downloads.with_hash(downloads.CIFAR10, sha))
    with pytest.raises(DataUnavailableError) as err:
        load_cifar10(verbose=False, stand_in=False)
    # the small archive is read, then refused for not being 50 000 images
    assert "CIFAR-10 archive" in str(err.value)
    assert "expected uint8 (50000" in str(err.value)


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_bad_download_is_refused_and_the_cache_is_not_poisoned(mirror, monkeypatch, damage):
    archive, _ = small_cifar10_archive()
    good = hashlib.sha256(archive).hexdigest()
    pinned = downloads.with_hash(downloads.CIFAR10, good)
    monkeypatch.setattr(downloads, "CIFAR10", pinned)
    bad = archive[: len(archive) // 2] if damage == "truncated" else archive[:-10] + b"x" * 10
    mirror.put(pinned.name, bad)
    with pytest.raises(ChecksumError, match=r"Nothing was cached\. What to do"):
        downloads.fetch(pinned)
    assert not pinned.cached.exists()
    assert not list(pinned.cached.parent.glob(".*.part"))  # no half-written file left

    mirror.put(pinned.name, archive)  # the mirror is repaired: the next run works
    assert (downloads.fetch(pinned) / "data_batch_1").exists()

    mirror.put(pinned.name, bad)  # a later bad copy does not replace the good cache
    assert downloads.fetch(pinned).exists()
    assert downloads.is_cached(pinned)


def test_offline_without_a_cache_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("MLBOOK_OFFLINE", "1")
    monkeypatch.delenv(downloads.MIRROR_ENV, raising=False)
    with pytest.raises(DataUnavailableError, match="MLBOOK_DATA_MIRROR"):
        downloads.fetch(downloads.INCEPTION_V3)
    assert not downloads.available(downloads.INCEPTION_V3)


def test_an_unpinned_file_is_trusted_on_first_use_then_checked(mirror, monkeypatch):
    unpinned = downloads.Download("model.bin", "https://example.org/model.bin", None, "models")
    first = mirror.put("model.bin", b"weights v1")
    assert downloads.fetch(unpinned).read_bytes() == b"weights v1"
    assert downloads.expected_hash(unpinned) == first
    unpinned.cached.write_bytes(b"tampered")  # the cache no longer matches its record
    mirror.put("model.bin", b"weights v2")  # and the server now has another file
    with pytest.raises(ChecksumError, match="expected " + first):
        downloads.fetch(unpinned)


def _inception_files(mirror) -> tuple[str, str]:
    """Serve InceptionV3 weights (random, the real .h5 format) and a class index."""
    import keras

    model = keras.applications.InceptionV3(weights=None)
    path = mirror.folder / downloads.INCEPTION_V3.name
    model.save_weights(path)
    index = {str(k): [f"n{k:08d}", f"class_{k}"] for k in range(1000)}
    index_sha = mirror.put(downloads.IMAGENET_CLASS_INDEX.name, json.dumps(index).encode())
    return hashlib.sha256(path.read_bytes()).hexdigest(), index_sha


@pytest.mark.slow
def test_inception_weights_through_the_mirror_classify_a_photo(mirror, monkeypatch, tmp_path):
    from mlbook import image_classification as ic

    weights_sha, index_sha = _inception_files(mirror)
    monkeypatch.setattr(
        downloads, "INCEPTION_V3", downloads.with_hash(downloads.INCEPTION_V3, weights_sha)
    )
    monkeypatch.setattr(
        downloads,
        "IMAGENET_CLASS_INDEX",
        downloads.with_hash(downloads.IMAGENET_CLASS_INDEX, index_sha),
    )
    assert ic.inception_available()
    photo = ic.save_sample_photo(tmp_path)
    top = ic.classify_photo(photo, top=3)
    assert len(top) == 3
    assert all(name.startswith("class_") for _, name, _ in top)
    assert [p for _, _, p in top] == sorted((p for _, _, p in top), reverse=True)
    mirror.stop()  # cached now: the second call needs no server
    assert ic.classify_photo(photo, top=1)[0][1] == top[0][1]


def _ssd_archive(tmp_path: Path) -> bytes:
    """Make a tiny SavedModel with the zoo SSD's input and outputs, in the zoo's folders."""
    import tensorflow as tf

    class TinyDetector(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
        def __call__(self, images):
            n = 3
            boxes = tf.constant([[[0.1, 0.1, 0.5, 0.5], [0.2, 0.6, 0.4, 0.9], [0, 0, 1, 1]]])
            return {
                "detection_boxes": boxes,
                "detection_scores": tf.constant([[0.9, 0.7, 0.1]]),
                "detection_classes": tf.constant([[1.0, 17.0, 3.0]]),
                "num_detections": tf.constant([float(n)]),
            }

    name = downloads.SSD.name.removesuffix(".tar.gz")
    model_dir = tmp_path / "ssd-src" / name / "saved_model"
    tf.saved_model.save(TinyDetector(), str(model_dir))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(tmp_path / "ssd-src" / name, arcname=name)
    return buf.getvalue()


@pytest.mark.slow
def test_the_ssd_archive_through_the_mirror_detects(mirror, tmp_path):
    from mlbook import object_detection as od

    mirror.put(downloads.SSD.name, _ssd_archive(tmp_path))
    assert od.pretrained_available()
    detector = od.load_pretrained_detector()
    image = np.zeros((40, 60, 3), np.uint8)
    boxes, scores, labels = od.detect_pretrained(detector, image, min_score=0.5)
    assert labels == [od.COCO_LABELS[1], od.COCO_LABELS[17]]
    np.testing.assert_allclose(boxes[0], [4, 6, 20, 30])  # normalised -> pixels (h, w)
    assert list(scores) == pytest.approx([0.9, 0.7])
    assert downloads.expected_hash(downloads.SSD)  # recorded at first use
