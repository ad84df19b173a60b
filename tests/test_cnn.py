import numpy as np
import pytest

from mlbook import cnn, data, training


@pytest.fixture(scope="module")
def tiny_stand_in():
    arrays = data.cifar10_stand_in(n_train=200, n_test=100, seed=3)
    return arrays


def test_stand_in_has_cifar10_shapes_and_is_deterministic(tiny_stand_in):
    a = tiny_stand_in
    assert a["x_train"].shape == (200, 32, 32, 3)
    assert a["x_train"].dtype == np.uint8
    assert a["y_train"].shape == (200, 1)
    assert a["y_test"].shape == (100, 1)
    assert np.bincount(a["y_train"].ravel(), minlength=10).tolist() == [20] * 10
    again = data.cifar10_stand_in(n_train=200, n_test=100, seed=3)
    assert all(np.array_equal(a[k], again[k]) for k in a)
    other = data.cifar10_stand_in(n_train=200, n_test=100, seed=4)
    assert not np.array_equal(a["x_train"], other["x_train"])
    # colour is random: the mean colour of a class says little, so the pixels vary a lot
    assert a["x_train"].std() > 40


def test_load_cifar10_offline_falls_back_to_a_labelled_stand_in(data_home, monkeypatch):
    monkeypatch.setattr(
        data,
        "cifar10_stand_in",
        lambda seed=10: {
            "x_train": np.zeros((50_000, 32, 32, 3), np.uint8),
            "y_train": np.zeros((50_000, 1), np.uint8),
            "x_test": np.zeros((10_000, 32, 32, 3), np.uint8),
            "y_test": np.zeros((10_000, 1), np.uint8),
        },
    )
    ds = data.load_cifar10(verbose=False)
    assert cnn.is_stand_in(ds.source)
    assert "NOT CIFAR-10" in ds.source
    assert len(ds.tried) == 2  # Keras cache, download
    assert cnn.class_names(ds.source) == data.CIFAR10_STAND_IN_CLASSES
    assert (data_home / "cifar10-stand-in-v1-seed10.npz").exists()  # cached for next time
    with pytest.raises(data.DataUnavailableError, match="CIFAR-10"):
        data.load_cifar10(verbose=False, stand_in=False)


def test_class_names_of_real_cifar10():
    assert (
        cnn.class_names("keras.datasets.cifar10.load_data() (canonical, download)")[0] == "airplane"
    )


def test_prepare_flattens_labels_and_scales(tiny_stand_in):
    x, y = cnn.prepare(tiny_stand_in["x_train"], tiny_stand_in["y_train"], size=100)
    assert x.shape == (100, 32, 32, 3)
    assert x.dtype == np.float32
    assert x.max() <= 1.0
    assert y.shape == (100,)
    assert len(np.unique(y)) == 10
    with pytest.raises(ValueError, match="expected images"):
        cnn.prepare(tiny_stand_in["x_train"][:, :, :, 0], tiny_stand_in["y_train"])


def test_the_seed_model_has_seven_layers_four_with_weights():
    """The notes say 'The model consists of 5 layers'."""
    counts = cnn.layer_counts(cnn.build_cnn())
    assert counts == {"layers": 7, "with_weights": 4}


def test_the_seed_loss_fails_on_integer_labels(tiny_stand_in):
    """The notes compile with categorical_crossentropy and fit on integer labels (n, 1)."""
    x = tiny_stand_in["x_train"][:16] / 255.0
    y = tiny_stand_in["y_train"][:16]
    error = cnn.run_seed_code(x, y)
    assert error.startswith("ValueError")
    assert "shape" in error


@pytest.mark.slow
def test_both_fixes_of_the_seed_loss_train(tiny_stand_in):
    """The sparse loss on integer labels, the categorical loss on one-hot labels."""
    import keras

    xs, ys = cnn.prepare(tiny_stand_in["x_train"][:16], tiny_stand_in["y_train"][:16])
    assert np.isfinite(
        training.train(cnn.build_cnn(), xs, ys, epochs=1, batch_size=16, verbose=0)["loss"][0]
    )
    onehot = keras.utils.to_categorical(ys, 10)
    assert np.isfinite(
        training.train(
            cnn.build_cnn(loss="categorical_crossentropy"),
            xs,
            onehot,
            epochs=1,
            batch_size=16,
            verbose=0,
        )["loss"][0]
    )


@pytest.mark.slow
def test_training_learns_the_stand_in(tiny_stand_in):
    import keras

    keras.utils.set_random_seed(0)
    x, y = cnn.prepare(tiny_stand_in["x_train"], tiny_stand_in["y_train"])
    model = cnn.build_cnn()
    history = training.train(model, x, y, epochs=3, batch_size=20, verbose=0)
    assert history["loss"][-1] < history["loss"][0]


def test_feature_maps_and_filters_have_the_right_shapes(tiny_stand_in):
    model = cnn.build_cnn()
    x = tiny_stand_in["x_test"][0].astype("float32") / 255
    assert cnn.feature_maps(model, x, "conv1").shape == (32, 32, 32)
    assert cnn.feature_maps(model, x, "conv2").shape == (16, 16, 64)
    imgs = cnn.filters_as_images(model.get_layer("conv1").kernel.numpy())
    assert imgs.shape == (32, 3, 3, 3)
    assert np.allclose(imgs.min(axis=(1, 2, 3)), 0)
    assert np.allclose(imgs.max(axis=(1, 2, 3)), 1)


def test_per_class_accuracy_and_most_confused():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 1, 1, 1, 0])
    assert cnn.per_class_accuracy(y, p, 3).tolist() == [0.5, 1.0, 0.0]
    top = cnn.most_confused(y, p, ["a", "b", "c"], k=2)
    assert top == [("c", "b", 2), ("a", "b", 1)]


def test_mosaic_tiles_images_with_gaps():
    tiles = np.zeros((5, 3, 3, 3))
    out = cnn.mosaic(tiles, ncols=4, pad=1)
    assert out.shape == (2 * 4 - 1, 4 * 4 - 1, 3)
    assert out[3].min() == 1.0  # a gap row
    assert out[0, :3].max() == 0.0  # a tile


def test_ramp_filters_finds_contrast_detectors():
    ramp = np.array([[-1.0, 0.0, 1.0]] * 3)  # dark on the left, light on the right
    checker = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]])
    flat = np.zeros((3, 3))
    kernel = np.stack(
        [np.repeat(f[:, :, None], 3, axis=2) for f in (ramp, ramp.T, checker, flat)], -1
    )
    assert kernel.shape == (3, 3, 3, 4)
    assert cnn.ramp_filters(kernel).tolist() == [True, True, False, False]


def test_notes_settings_are_the_notes_code():
    assert "epochs=10)" in cnn.SEED_CNN_CODE
    assert cnn.NOTES["epochs"] == 10
    assert cnn.NOTES["train_size"] == 50_000


def test_output_size_and_parameter_formulas():
    assert cnn.conv_output_size(32, 3, p=1, s=1) == 32  # "same" padding
    assert cnn.conv_output_size(32, 2, p=0, s=2) == 16  # 2 x 2 pooling
    assert cnn.conv_output_size(32, 5, p=0, s=2) == 14  # floor((32 - 5) / 2) + 1
    assert cnn.conv_params(3, 3, 32, 64) == (3 * 3 * 32 + 1) * 64


def test_conv2d_by_definition_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 7, 3))
    w = rng.normal(size=(3, 3, 3, 4))
    b = rng.normal(size=4)
    for stride, padding, tf_padding in [(1, 1, "SAME"), (2, 0, "VALID"), (1, 0, "VALID")]:
        ours = cnn.conv2d(x, w, b, stride=stride, padding=padding)
        theirs = tf.nn.conv2d(x[None], w, strides=stride, padding=tf_padding)[0] + b
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-10)


def test_layer_arithmetic_matches_the_model():
    table = cnn.layer_arithmetic(cnn.build_cnn())
    assert list(table.index) == ["conv1", "pool1", "conv2", "pool2"]
    assert (table["size by formula"] == table["size in Keras"]).all()
    assert (table["weights by formula"] == table["weights in Keras"]).all()
    assert table.loc["conv2", "weights in Keras"] == (3 * 3 * 32 + 1) * 64


def test_draw_convolution_shades_the_window_and_writes_the_right_value():
    import matplotlib.pyplot as plt
    import tensorflow as tf

    image = np.random.default_rng(1).integers(0, 4, (6, 6))
    kernel = np.array([[1, 0, -1]] * 3)
    fig = cnn.draw_convolution(image, kernel, 1, 2)
    ax_img, ax_kernel, ax_out = fig.axes
    assert sum(p.get_gid() == "window" for p in ax_img.patches) == 9
    assert sum(p.get_gid() == "target" for p in ax_out.patches) == 1
    assert len(ax_img.texts) == 36
    assert len(ax_kernel.texts) == 9
    # the output shows the cells computed so far, in reading order: row 0 and two of row 1
    assert len(ax_out.texts) == 4 + 3
    expected = tf.nn.conv2d(
        image[None, ..., None].astype("float32"),
        kernel[..., None, None].astype("float32"),
        strides=1,
        padding="VALID",
    )[0, 1, 2, 0]
    assert float(ax_out.texts[-1].get_text()) == float(expected)
    assert fig._suptitle.get_text().endswith(f"= {float(expected):g}")
    assert fig.get_size_inches()[0] <= 7
    plt.close(fig)


def test_split_validation_is_stratified_and_disjoint(tiny_stand_in):
    x, y = cnn.prepare(tiny_stand_in["x_train"], tiny_stand_in["y_train"], size=100)
    x_fit, _y_fit, x_val, y_val = cnn.split_validation(x, y, 20)
    assert len(x_fit) == 80
    assert len(x_val) == 20
    assert np.bincount(y_val, minlength=10).tolist() == [2] * 10
    rows = {a.tobytes() for a in x_fit}
    assert not any(a.tobytes() in rows for a in x_val)


def test_build_cnn_uses_adams_default_rate_as_the_notes_do():
    import keras

    model = cnn.build_cnn()
    adam_default = keras.optimizers.Adam().get_config()["learning_rate"]
    assert float(model.optimizer.learning_rate) == pytest.approx(adam_default)
    assert cnn.NOTES["learning_rate"] == pytest.approx(adam_default)


def test_plateau_verdict_compares_the_last_epoch_with_an_earlier_one():
    rng = np.random.default_rng(0)
    base = rng.random(2000) < 0.6
    rising = [base & (rng.random(2000) < 0.5), base & (rng.random(2000) < 0.8), base]
    v = cnn.plateau_verdict(rising, lookback=2)
    assert v.word == "beats"
    assert v.difference == pytest.approx(base.mean() - rising[0].mean())
    assert v.unit == "validation images"
    assert v.n == 2000
    assert cnn.plateau_verdict([base, base, base], lookback=2).word == "ties with"
    assert cnn.plateau_verdict(rising[::-1], lookback=2).word == "loses to"
    with pytest.raises(ValueError, match="more than 2 epochs"):
        cnn.plateau_verdict([base, base], lookback=2)


def test_class_against_rest_uses_the_class_and_the_other_examples():
    y = np.array([0] * 100 + [1] * 100 + [2] * 100)
    p = y.copy()
    p[:60] = 1  # class 0 right 40 of 100 times; classes 1 and 2 always right
    v = cnn.class_against_rest(y, p, 0)
    assert v.difference == pytest.approx(0.4 - 1.0)
    assert v.word == "loses to"
    assert v.n == 100  # the smaller group
    hit = cnn.class_against_rest(y, p, 1)
    assert hit.difference == pytest.approx(1.0 - 140 / 200)
    assert hit.word == "beats"


@pytest.mark.slow
def test_record_correct_matches_keras_validation_accuracy(tiny_stand_in):
    import keras

    keras.utils.set_random_seed(0)
    x, y = cnn.prepare(tiny_stand_in["x_train"], tiny_stand_in["y_train"])
    recorder = cnn.record_correct(x[:40], y[:40])
    model = cnn.build_cnn()
    h = training.train(
        model,
        x,
        y,
        epochs=2,
        batch_size=20,
        monitor=(x[:40], y[:40]),
        callbacks=[recorder],
        verbose=0,
    )
    assert len(recorder.by_epoch) == 2
    assert recorder.by_epoch[0].shape == (40,)
    assert recorder.by_epoch[0].dtype == bool
    np.testing.assert_allclose([c.mean() for c in recorder.by_epoch], h["val_accuracy"], atol=1e-6)


def _tiny_conv(filters: int, size: int = 8):
    """Build an untrained model whose only layer is a ``conv1`` of 3 x 3 filters, ReLU."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(size, size, 3)),
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv1"),
        ]
    )


def test_explore_filters_gives_one_frame_per_filter_of_one_size_and_true_rows():
    import matplotlib.pyplot as plt

    from mlbook import explorable

    model = _tiny_conv(4)
    kernel, bias = (np.zeros(v.shape, "float32") for v in model.get_layer("conv1").weights)
    kernel[1, 1, 0, 1] = 1.0  # filter 1 copies the red channel
    kernel[..., 2] = -0.5  # filter 2 is negative everywhere: ReLU gives zero on this image
    kernel[0, 0, 2, 3], kernel[2, 2, 1, 3] = 2.0, -1.0  # filter 3 has weights of both signs
    model.get_layer("conv1").set_weights([kernel, bias])
    image = np.random.default_rng(0).random((8, 8, 3)).astype("float32")
    image[:4, :, 0] = 0  # the top half has no red
    open_before = set(plt.get_fignums())
    frames, rows = cnn.explore_filters(model, image, title="test image")
    assert len(frames) == len(rows) == 4
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    # filter 0: all-zero weights and bias give a zero map
    assert rows[0] == {"index": 0, "w_min": 0.0, "w_max": 0.0, "active": 0.0, "mean": 0.0}
    assert rows[1]["active"] == pytest.approx((image[..., 0] > 0).mean()) == pytest.approx(0.5)
    assert rows[1]["mean"] == pytest.approx(image[..., 0].mean())
    assert rows[2]["active"] == 0.0
    assert rows[2]["w_max"] == rows[2]["w_min"] == -0.5
    assert (rows[3]["w_min"], rows[3]["w_max"]) == (-1.0, 2.0)
    maps = cnn.feature_maps(model, image)
    for fig, r in zip(frames, rows, strict=True):
        (drawn,) = next(ax for ax in fig.axes if ax.get_label() == "map").get_images()
        np.testing.assert_allclose(drawn.get_array(), maps[..., r["index"]])
        assert drawn.get_clim() == (0.0, pytest.approx(maps.max()))  # one scale for all
        weights = [ax.get_images()[0] for ax in fig.axes if ax.get_label() in ("red", "blue")]
        assert {im.get_clim() for im in weights} == {(-2.0, 2.0)}  # symmetric, shared
        assert fig.get_layout_engine() is not None
        assert all(not ax.get_xticks().size for ax in fig.axes if ax.get_label() == "map")
    pngs = [explorable.frame_png(fig) for fig in frames]
    assert {explorable.png_size(p) for p in pngs} == {(7 * 80, round(2.9 * 80))}
    assert len({p for p in pngs}) == 4  # the frames differ
    assert set(plt.get_fignums()) <= open_before  # frame_png closed them
    labels = [str(r["index"] + 1) for r in rows]
    box = explorable.frames_player(pngs, labels, labels, name="filter", description="filter")
    assert len(box.children[2].children) == 4


def test_explore_filters_shows_at_most_n_max_filters_and_closes_them_in_the_player():
    import matplotlib.pyplot as plt

    from mlbook import explorable

    image = np.random.default_rng(1).random((6, 6, 3)).astype("float32")
    open_before = set(plt.get_fignums())
    frames, rows = cnn.explore_filters(_tiny_conv(20, size=6), image, n_max=16)
    assert len(frames) == len(rows) == 16
    assert rows[-1]["index"] == 15
    assert frames[0]._suptitle.get_text() == "conv1, filter 1 of 20"
    labels = [str(k + 1) for k in range(16)]
    explorable.frames_player(frames, labels, labels, name="filter", description="filter")
    assert set(plt.get_fignums()) <= open_before


def test_explore_filters_refuses_a_layer_that_does_not_read_the_image():
    model = cnn.build_cnn()
    with pytest.raises(ValueError, match="conv2 must read a grey or colour image"):
        cnn.explore_filters(model, np.zeros((32, 32, 3), "float32"), layer="conv2")
