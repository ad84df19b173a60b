"""Tests of mlbook.functional_models on tiny data."""

import numpy as np
import pytest

from mlbook import functional_models as fm
from mlbook import training


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)


def test_make_pairs_shapes_and_targets(tiny_digits):
    x, y = tiny_digits
    inputs, targets = fm.make_pairs(x, y, 400, same_fraction=0.5, seed=1)
    assert inputs["image_a"].shape == inputs["image_b"].shape == (400, 28, 28)
    assert targets["digit"].shape == targets["same"].shape == (400,)
    assert 0.4 < targets["same"].mean() < 0.6
    # the targets agree with the images: find each image's label by identity
    lookup = {x[i].tobytes(): y[i] for i in range(len(y))}
    la = np.array([lookup[im.tobytes()] for im in inputs["image_a"]])
    lb = np.array([lookup[im.tobytes()] for im in inputs["image_b"]])
    np.testing.assert_array_equal(la, targets["digit"])
    np.testing.assert_array_equal(la == lb, targets["same"].astype(bool))


def test_same_fraction_extremes(tiny_digits):
    x, y = tiny_digits
    assert fm.make_pairs(x, y, 50, same_fraction=1.0)[1]["same"].all()
    assert not fm.make_pairs(x, y, 50, same_fraction=0.0)[1]["same"].any()


def test_encoder_has_a_residual_connection():
    import keras

    enc = fm.build_encoder(8)
    add = enc.get_layer("skip_add")
    assert isinstance(add, keras.layers.Add)
    # the Add layer receives the projection itself (the skip) and the residual branch
    parents = {t._keras_history.operation.name for t in add.input}
    assert parents == {"project", "residual_dense"}


def test_encoder_is_shared_and_counted_once():
    model = fm.build_pair_model(units=8)
    parts = fm.weights_by_part(model)
    assert sum(parts.values()) == model.count_params()
    assert parts["encoder"] == fm.build_encoder(8).count_params()
    assert len(model.get_layer("encoder")._inbound_nodes) == 2  # called on both images
    x = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    out = model.predict({"image_a": x, "image_b": x}, verbose=0)
    assert out["digit"].shape == (3, 10)
    assert out["same"].shape == (3, 1)


@pytest.mark.slow  # trains models: a few seconds
def test_training_reports_a_metric_per_output(tiny_digits):
    x, y = tiny_digits
    inputs, targets = fm.make_pairs((x / 255.0).astype("float32"), y, 256)
    model = fm.compile_pair_model(fm.build_pair_model(units=16))
    hist = training.train(
        model, inputs, targets, epochs=2, batch_size=32, validation_split=0.1, verbose=0
    )
    for key in ("digit_accuracy", "same_accuracy", "val_digit_accuracy", "val_same_accuracy"):
        assert len(hist[key]) == 2
    assert hist["digit_loss"][-1] < hist["digit_loss"][0]


def test_encode_by_hand_matches_the_encoder():
    enc = fm.build_encoder(8)
    x = np.random.default_rng(2).random((4, 28, 28)).astype("float32")
    np.testing.assert_allclose(
        fm.encode_by_hand(x, enc.get_weights()), np.asarray(enc(x)), atol=1e-5
    )


@pytest.mark.parametrize("units", [8, 64])
def test_pair_params_by_hand_match_keras(units):
    model = fm.build_pair_model(units)
    assert fm.pair_params_by_hand(units) == fm.weights_by_part(model)
    assert sum(fm.pair_params_by_hand(units).values()) == model.count_params()


def test_model_edges_of_the_pair_model_and_of_a_stack():
    from mlbook import neural_network_models as nn

    edges = fm.model_edges(fm.build_pair_model(8))
    assert ("image_a", "encoder") in edges
    assert ("image_b", "encoder") in edges
    assert edges.count(("encoder", "both")) == 2  # both calls of the shared encoder
    assert ("encoder", "digit") in edges
    stack = nn.build_sequential(8)
    assert len(fm.model_edges(stack)) == len(stack.layers)  # a chain from the input


def test_draw_graph_draws_every_layer_and_tensor():
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    model = fm.build_pair_model(8)
    ax = fm.draw_graph(model, title="Functional")
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(boxes) == len(model.operations) == 7  # two inputs and five layers
    assert len(arrows) == len(fm.model_edges(model)) == 7
    texts = [t.get_text() for t in ax.texts]
    assert {"image_a", "image_b", "encoder", "both", "compare", "digit", "same"} <= set(texts)
    assert texts.count("shared, 2 calls") == 1  # only the encoder is shared
    assert texts.count("Input") == 2
    colours = [tuple(b.get_facecolor()) for b in boxes]
    assert len(set(colours)) == 4  # inputs, the shared encoder, outputs, the others
    assert sum(colours.count(c) == 1 for c in set(colours)) == 1  # one shared layer
    assert ax.get_title() == "Functional"
    plt.close(ax.figure)
