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

import hashlib

import numpy as np
import pytest

from booktools.mirror import PER_BATCH, Mirror, cifar10_archive, class_index, ssd_archive
from mlbook.data import downloads
from mlbook.data.cifar10 import load_cifar10
from mlbook.data.sources import ChecksumError, DataUnavailableError


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """Serve a local mirror, with an empty Keras cache in ``$KERAS_HOME``, the network probe on."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    m = Mirror(folder)
    monkeypatch.setenv(downloads.MIRROR_ENV, m.url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("MLBOOK_DATA_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("MLBOOK_OFFLINE", "0")
    yield m
    m.stop()


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

    archive, first = cifar10_archive()
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
    archive, _ = cifar10_archive()
    sha = mirror.put(downloads.CIFAR10.name, archive)
    monkeypatch.setattr(downloads, "CIFAR10", downloads.with_hash(downloads.CIFAR10, sha))
    with pytest.raises(DataUnavailableError) as err:
        load_cifar10(verbose=False, stand_in=False)
    # the small archive is read, then refused for not being 50 000 images
    assert "CIFAR-10 archive" in str(err.value)
    assert "expected uint8 (50000" in str(err.value)


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_bad_download_is_refused_and_the_cache_is_not_poisoned(mirror, monkeypatch, damage):
    archive, _ = cifar10_archive()
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
    from booktools.mirror import inception_weights

    path = inception_weights(mirror.folder / downloads.INCEPTION_V3.name)
    index_sha = mirror.put(downloads.IMAGENET_CLASS_INDEX.name, class_index())
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


@pytest.mark.slow
def test_the_ssd_archive_through_the_mirror_detects(mirror, tmp_path):
    from mlbook import object_detection as od

    mirror.put(downloads.SSD.name, ssd_archive(downloads.SSD.name.removesuffix(".tar.gz")))
    assert od.pretrained_available()
    detector = od.load_pretrained_detector()
    image = np.zeros((40, 60, 3), np.uint8)
    boxes, scores, labels = od.detect_pretrained(detector, image, min_score=0.5)
    assert labels == [od.COCO_LABELS[1], od.COCO_LABELS[17]]
    np.testing.assert_allclose(boxes[0], [4, 6, 20, 30])  # normalised -> pixels (h, w)
    assert list(scores) == pytest.approx([0.9, 0.7])
    assert downloads.expected_hash(downloads.SSD)  # recorded at first use


def test_a_test_mirror_brings_its_own_hashes(mirror, monkeypatch, tmp_path):
    """``MLBOOK_DATA_HASHES`` (booktools.mirror's stand-in files) replaces pinned hashes."""
    import json

    archive, _ = cifar10_archive()
    sha = mirror.put(downloads.CIFAR10.name, archive)
    with pytest.raises(ChecksumError, match="expected " + downloads.CIFAR10.file_hash):
        downloads.fetch(downloads.CIFAR10)  # the pinned hash refuses the stand-in
    hashes = tmp_path / "hashes.json"
    hashes.write_text(json.dumps({downloads.CIFAR10.name: sha}))
    monkeypatch.setenv(downloads.HASHES_ENV, str(hashes))
    assert (downloads.fetch(downloads.CIFAR10) / "test_batch").exists()
