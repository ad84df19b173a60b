import numpy as np
import pytest

from mlbook import gan
from mlbook.repro import seed_everything


def test_prepare_images_scales_to_tanh_range(tiny_digits):
    x, _ = tiny_digits
    imgs = gan.prepare_images(x, size=50)
    assert imgs.shape == (50, 28, 28, 1)
    assert imgs.dtype == np.float32
    assert imgs.min() >= -1.0
    assert imgs.max() <= 1.0
    with pytest.raises(ValueError, match="expected images"):
        gan.prepare_images(x.reshape(len(x), -1))


def test_networks_have_the_notes_shapes():
    g, d = gan.build_generator(), gan.build_discriminator()
    assert g.output_shape == (None, 28, 28, 1)
    assert d.output_shape == (None, 1)
    out = g(np.random.default_rng(0).standard_normal((3, gan.LATENT_DIM)).astype("float32"))
    assert float(np.abs(out).max()) <= 1.0  # tanh
    assert d.layers[-1].activation.__name__ == "linear"  # the fix: a logit
    assert gan.build_discriminator("sigmoid").layers[-1].activation.__name__ == "sigmoid"


def test_the_notes_loss_mix_barely_separates_right_from_wrong():
    """Sigmoid output + from_logits=True: the loss is squashed into a narrow band."""
    rows = {r["p"]: r for r in gan.mismatch_table((0.01, 0.99))}
    notes_range = rows[0.01]["notes_loss"] - rows[0.99]["notes_loss"]
    correct_range = rows[0.01]["correct_loss"] - rows[0.99]["correct_loss"]
    assert rows[0.99]["notes_loss"] > 0.3  # a perfect answer is still penalised
    assert notes_range < 0.5 < 4.0 < correct_range


def test_the_notes_mix_shrinks_the_discriminators_gradients():
    import tensorflow as tf

    p = tf.Variable([[0.01]])  # the discriminator is badly wrong on a real image
    grads = {}
    for from_logits in (True, False):
        with tf.GradientTape() as tape:
            loss = tf.keras.losses.BinaryCrossentropy(from_logits=from_logits)(tf.ones_like(p), p)
        grads[from_logits] = abs(float(tape.gradient(loss, p)[0, 0]))
    assert grads[True] < 0.6
    assert grads[False] > 50


def test_the_notes_train_step_as_printed_does_not_run():
    assert gan.seed_loss_error().startswith("NameError")


def test_train_step_updates_both_networks_and_handles_a_smaller_last_batch(tiny_digits):
    import keras

    seed_everything(0)
    g, d = gan.build_generator(), gan.build_discriminator()
    step = gan.make_train_step(g, d, keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    g0 = [w.numpy().copy() for w in g.trainable_variables]
    d0 = [w.numpy().copy() for w in d.trainable_variables]
    images = gan.prepare_images(tiny_digits[0][:7])  # an odd batch size
    gen_loss, disc_loss, d_real, d_fake = (float(v) for v in step(images))
    assert np.isfinite([gen_loss, disc_loss]).all()
    assert 0 <= d_real <= 1
    assert 0 <= d_fake <= 1
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(g0, g.trainable_variables))
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(d0, d.trainable_variables))


@pytest.mark.slow
def test_train_gan_records_losses_and_fixed_noise_samples(tiny_digits):
    seed_everything(0)
    images = gan.prepare_images(tiny_digits[0][:64])
    run = gan.train_gan(images, epochs=2, batch_size=32, jit_compile=False, verbose=False)
    assert set(run.history) == {"gen_loss", "disc_loss", "d_real", "d_fake", "seconds"}
    assert all(len(v) == 2 for v in run.history.values())
    assert len(run.steps["gen_loss"]) == 4  # 2 epochs x 2 batches
    assert run.samples.shape == (3, 16, 28, 28)  # before + after each epoch
    assert run.samples.min() >= 0
    assert run.samples.max() <= 1
    assert not np.allclose(run.samples[0], run.samples[-1])


def test_judge_samples_measures_mode_collapse():
    class FakeJudge:
        def __init__(self, labels):
            self.labels = labels

        def predict(self, images, verbose=0):
            proba = np.full((len(images), 10), 0.01)
            proba[np.arange(len(images)), self.labels] = 0.91
            return proba

    images = np.zeros((100, 28, 28))
    collapsed = gan.judge_samples(FakeJudge(np.full(100, 3)), images)
    diverse = gan.judge_samples(FakeJudge(np.arange(100) % 10), images)
    assert collapsed["entropy_bits"] == 0
    assert collapsed["n_digits"] == 1
    assert diverse["entropy_bits"] == pytest.approx(np.log2(10))
    assert diverse["n_digits"] == 10
    assert collapsed["counts"][3] == 100


def test_the_generator_loss_is_non_saturating():
    """-log D(G(z)): its gradient stays near -1 when the discriminator rejects the fakes."""
    import tensorflow as tf

    fake = tf.Variable([[-8.0], [-6.0]])  # logits of fakes the discriminator rejects
    with tf.GradientTape() as tape:
        gen_loss, _ = gan.gan_losses(tf.constant([[5.0], [5.0]]), fake)
    grad = tape.gradient(gen_loss, fake).numpy().ravel() * 2  # undo the batch mean
    assert float(gen_loss) == pytest.approx(np.mean(np.log1p(np.exp([8.0, 6.0]))), rel=1e-4)
    assert np.all(grad < -0.99)  # the minimax loss log(1 - D) would give about -D ≈ 0


def test_losses_by_hand_match_gan_losses():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    real, fake = rng.normal(1, 2, size=(16, 1)), rng.normal(-1, 2, size=(16, 1))
    gen_loss, disc_loss = gan.gan_losses(tf.constant(real), tf.constant(fake))
    by_hand = gan.gan_losses_by_hand(real, fake)
    np.testing.assert_allclose(by_hand, (float(gen_loss), float(disc_loss)), rtol=1e-5)
    # at the balance point D = 1/2 (logit 0): L_G = log 2, L_D = 2 log 2
    np.testing.assert_allclose(
        gan.gan_losses_by_hand(np.zeros(4), np.zeros(4)), (np.log(2), 2 * np.log(2))
    )


def test_shown_epochs_shows_every_epoch_or_says_which_are_skipped():
    rows, text = gan.shown_epochs(6)
    assert rows == list(range(7))
    assert "every epoch" in text
    rows, text = gan.shown_epochs(10)
    assert len(rows) == 7
    assert rows[0] == 0
    assert rows[-1] == 10
    assert "skipped" in text
    assert "4 epochs" in text


def test_sample_evolution_fits_the_column():
    import matplotlib.pyplot as plt

    samples = np.zeros((7, 16, 28, 28))
    fig = gan.plot_sample_evolution(samples, list(range(7)))
    assert fig.get_size_inches()[0] <= 7
    assert len(fig.axes) == 7 * 8
    plt.close(fig)


@pytest.mark.parametrize(("epochs", "steps_per_epoch"), [(2, 4), (6, 50)])
def test_plot_losses_is_legible(epochs, steps_per_epoch):
    """Whole-epoch ticks, and the legend off the curves (they cross), at column width."""
    import matplotlib.pyplot as plt

    from mlbook.plotting import figure_problems

    rng = np.random.default_rng(0)
    n = epochs * steps_per_epoch
    steps = {"gen_loss": np.linspace(2.5, 0.5, n), "disc_loss": np.linspace(0.5, 2.5, n)}
    steps = {k: v + 0.1 * rng.standard_normal(n) for k, v in steps.items()}
    history = {k: list(v.reshape(epochs, -1).mean(axis=1)) for k, v in steps.items()}
    ax = gan.plot_losses(gan.GANRun(None, None, history=history, steps=steps))
    assert ax.figure.get_size_inches()[0] <= 7
    assert [line.get_label() for line in ax.lines] == ["generator", "discriminator"]
    assert figure_problems(ax.figure) == []
    plt.close(ax.figure)


def test_draw_gan_loop_draws_both_players_and_who_updates_whom():
    import matplotlib.pyplot as plt

    ax = gan.draw_gan_loop()
    gids = [p.get_gid() for p in ax.patches]
    assert gids.count("box") == 7
    assert gids.count("flow") == 6
    assert gids.count("update") == 2
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("generator", "discriminator", "fake images", "real images", "noise"):
        assert word in texts
    assert "$L_G$" in texts
    assert "$L_D$" in texts
    assert "updates $D$" in texts
    assert "updates $G$ only" in texts
    assert ax.figure.get_size_inches()[0] <= 7
    plt.close(ax.figure)


def test_entropy_bits_of_count_tables():
    assert gan.entropy_bits(np.array([5, 5])) == pytest.approx(1.0)
    assert gan.entropy_bits(np.array([0, 7, 0])) == 0
    rows = np.array([[1, 1, 1, 1], [4, 0, 0, 0]])
    assert gan.entropy_bits(rows).tolist() == pytest.approx([2.0, 0.0])


def test_digits_differ_agrees_with_scipy_and_skips_empty_digits():
    from scipy.stats import chi2_contingency

    a = np.array([30, 30, 40, 0])
    b = np.array([10, 50, 40, 0])
    expected = chi2_contingency(np.array([[30, 30, 40], [10, 50, 40]])).pvalue
    assert gan.digits_differ(a, b) == pytest.approx(expected)
    assert gan.digits_differ(a, b) < 0.05
    assert gan.digits_differ(a, a) == pytest.approx(1.0)
    assert gan.digits_differ(np.array([9, 0]), np.array([4, 0])) == 1.0


def test_compare_entropy_tells_a_real_drop_from_sampling_noise():
    even = np.full(10, 200)  # 3.32 bits
    skewed = np.array([600, 600, 400, 200, 100, 50, 20, 10, 10, 10])
    assert gan.compare_entropy(skewed, even).word == "loses to"
    assert gan.compare_entropy(even, skewed).word == "beats"
    near = even + np.array([4, -4, 0, 0, 0, 0, 0, 0, 0, 0])  # a sampling wobble
    v = gan.compare_entropy(near, even)
    assert v.word == "ties with"
    assert v.half_width > abs(v.difference)
