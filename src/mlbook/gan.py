"""Chapter *Generative Adversarial Networks*: the seed's MNIST GAN, fixed, trained and judged.

The generator and discriminator are the notes' multi-layer perceptrons. The fixes:
the discriminator outputs a **logit** (the notes end it in a sigmoid *and* tell the loss
``from_logits=True``), the training step is one complete ``tf.function`` that updates
both networks and returns its losses, and the noise batch follows the image batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlbook.notes import run_notes_code
from mlbook.profile import freeze

if TYPE_CHECKING:  # keras is imported inside the functions that need it
    import keras

#: Per-profile settings. The notes train 50 epochs on all 60 000 images (about half an
#: hour here, the page measures it); ``full`` keeps the notes' models and batch size and trains on all of MNIST for
#: as many epochs as fit in about 5 minutes, with the DCGAN paper's Adam settings
#: (learning rate 2e-4, beta_1 = 0.5) instead of the notes' (1e-4, default beta_1 = 0.9),
#: which learn too slowly for so few steps.
#: ``jit_compile``: XLA pays off over many steps, not over the few of ``quick``.
#: ``judge_*``: the small classifier that reads the generated digits.
SETTINGS = freeze(
    {
        "full": {
            "train_size": None,
            "epochs": 6,
            "batch_size": 128,
            "learning_rate": 2e-4,
            "beta_1": 0.5,
            "jit_compile": True,
            "n_judged": 2000,
            "judge_train_size": 20_000,
            "judge_epochs": 2,
            "judge_test_size": None,
        },
        "quick": {
            "train_size": 512,
            "epochs": 2,
            "batch_size": 128,
            "learning_rate": 2e-4,
            "beta_1": 0.5,
            "jit_compile": False,
            "n_judged": 200,
            "judge_train_size": 600,
            "judge_epochs": 1,
            "judge_test_size": 1000,
        },
    }
)

LATENT_DIM = 100

#: A digit counts as drawn by the generator if it is at least this share of the samples.
MIN_SHARE = 0.02

#: The notes' training step and the lines that follow it, as printed in the notes (the
#: notes' page break leaves the second half outside the function).
SEED_TRAIN_STEP_CODE = """\
@tf.function
def train_step(images):
    noise = tf.random.normal([batch_size, random_dim])
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        generated_images = generator(noise, training=True)
        real_output = discriminator(images, training=True)
        fake_output = discriminator(generated_images, training=True)
        gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)

disc_loss_real = cross_entropy(tf.ones_like(real_output), real_output)
disc_loss_fake = cross_entropy(tf.zeros_like(fake_output), fake_output)
disc_loss = disc_loss_real + disc_loss_fake
gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
gradients_of_discriminator = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator, discriminator.trainable_variables))
"""


def prepare_images(x: np.ndarray, size: int | None = None, seed: int = 0) -> np.ndarray:
    """Scale uint8 digits to ``[-1, 1]`` (the range of the generator's ``tanh``).

    Parameters
    ----------
    x : ndarray, shape (n, 28, 28), uint8
    size : int, optional
        Keep a random subset of this many images (all if ``None``).

    Returns
    -------
    ndarray, shape (size, 28, 28, 1), float32, values in [-1, 1]
    """
    if x.ndim != 3:
        raise ValueError(f"expected images (n, h, w), got shape {x.shape}")
    if size is not None and size < len(x):
        x = x[np.random.default_rng(seed).choice(len(x), size, replace=False)]
    return ((x.astype("float32") - 127.5) / 127.5)[..., None]


def build_generator(latent_dim: int = LATENT_DIM) -> keras.Model:
    """Build the notes' generator: noise ``(latent_dim,)`` -> image ``(28, 28, 1)``.

    The image's pixels are in [-1, 1], the range of the last layer's ``tanh``.
    """
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(256, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(512, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(1024, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(784, activation="tanh"),
            layers.Reshape((28, 28, 1)),
        ],
        name="generator",
    )


def build_discriminator(output: str = "logit") -> keras.Model:
    """Build the notes' discriminator: image -> one score, "real" when high.

    Parameters
    ----------
    output : {"logit", "sigmoid"}
        ``"logit"`` (the fix): a raw score, for a loss built with ``from_logits=True``.
        ``"sigmoid"``: the notes' version, a probability.
    """
    import keras
    from keras import layers

    if output not in ("logit", "sigmoid"):
        raise ValueError(f"output must be 'logit' or 'sigmoid', not {output!r}")
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(1, activation=None if output == "logit" else "sigmoid"),
        ],
        name="discriminator",
    )


def gan_losses(real_output, fake_output, *, from_logits: bool = True):
    """Binary cross-entropy losses of both players.

    Parameters
    ----------
    real_output, fake_output : tensor, shape (batch, 1)
        The discriminator's scores on real and on generated images.
    from_logits : bool
        Must match the discriminator's last layer: ``True`` for a logit output.

    Returns
    -------
    gen_loss, disc_loss : scalar tensors
        The generator wants its fakes scored "real" (1): ``-log D(G(z))``, the
        non-saturating loss. The discriminator wants real images scored 1 and fakes 0.
    """
    import tensorflow as tf

    bce = tf.keras.losses.BinaryCrossentropy(from_logits=from_logits)
    gen_loss = bce(tf.ones_like(fake_output), fake_output)
    disc_loss = bce(tf.ones_like(real_output), real_output) + bce(
        tf.zeros_like(fake_output), fake_output
    )
    return gen_loss, disc_loss


def make_train_step(
    generator,
    discriminator,
    gen_opt,
    disc_opt,
    *,
    latent_dim: int = LATENT_DIM,
    from_logits: bool = True,
    jit_compile: bool = False,
):
    """Make the complete training step the notes intend, compiled with ``tf.function``.

    Returns
    -------
    callable
        ``train_step(images) -> (gen_loss, disc_loss, d_real, d_fake)`` for a batch of
        shape ``(b, 28, 28, 1)``. ``d_real`` / ``d_fake`` are the discriminator's mean
        probability of "real" on the real and on the generated images.
    """
    import tensorflow as tf

    # One signature for every batch size: the last, smaller batch does not retrace.
    @tf.function(
        jit_compile=jit_compile,
        input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)],
    )
    def train_step(images):
        # as many noise vectors as there are images in the batch
        noise = tf.random.normal([tf.shape(images)[0], latent_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss, disc_loss = gan_losses(
                real_output,
                fake_output,
                from_logits=from_logits,
            )
        gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        gen_opt.apply_gradients(zip(gen_grads, generator.trainable_variables))
        disc_opt.apply_gradients(zip(disc_grads, discriminator.trainable_variables))
        to_prob = tf.sigmoid if from_logits else tf.identity
        return (
            gen_loss,
            disc_loss,
            tf.reduce_mean(to_prob(real_output)),
            tf.reduce_mean(to_prob(fake_output)),
        )

    return train_step


@dataclass
class GANRun:
    """What :func:`train_gan` returns.

    Attributes
    ----------
    generator, discriminator : keras.Model
    history : dict of str -> list of float
        Per epoch: mean ``gen_loss``, ``disc_loss``, ``d_real``, ``d_fake`` and ``seconds``.
    steps : dict of str -> ndarray, shape (n_steps,)
        The same four numbers for every training step (to see the oscillations).
    samples : ndarray, shape (epochs + 1, n_noise, 28, 28)
        The generator's images for the fixed noise, before training (row 0) and after
        each epoch, scaled to [0, 1].
    """

    generator: keras.Model
    discriminator: keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)
    steps: dict[str, np.ndarray] = field(default_factory=dict)
    samples: np.ndarray | None = None


def sample_images(generator, noise) -> np.ndarray:
    """Generate images for *noise* ``(n, latent_dim)`` as ``(n, 28, 28)`` in [0, 1]."""
    images = generator(noise, training=False).numpy()[..., 0]
    return images * 0.5 + 0.5


def train_gan(
    images: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 128,
    learning_rate: float = 2e-4,
    beta_1: float = 0.5,
    latent_dim: int = LATENT_DIM,
    fixed_noise: np.ndarray | None = None,
    from_logits: bool = True,
    jit_compile: bool = True,
    seed: int = 0,
    verbose: bool = True,
) -> GANRun:
    """Train the notes' GAN with the fixed training step and record what happens.

    Parameters
    ----------
    images : ndarray, shape (n, 28, 28, 1), float32 in [-1, 1]
    learning_rate, beta_1 : float
        Adam's settings for both networks (the notes: 1e-4 and Keras' default 0.9).
    fixed_noise : ndarray, shape (k, latent_dim), optional
        The same noise is drawn after every epoch, so the rows of ``samples`` show how
        one set of digits evolves (16 standard-normal vectors if not given).
    from_logits : bool
        ``True``: the fixed version. ``False`` with a sigmoid discriminator is the other
        consistent choice; the notes' mix (sigmoid + ``from_logits=True``) is tested in
        ``tests/test_gan.py``.
    jit_compile : bool
        Compile the step with XLA (about twice as fast on a CPU for these models).
    verbose : bool
        Print one line per epoch.
    """
    import time

    import keras
    import tensorflow as tf

    generator = build_generator(latent_dim)
    discriminator = build_discriminator("logit" if from_logits else "sigmoid")
    gen_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1)
    disc_opt = keras.optimizers.Adam(learning_rate, beta_1=beta_1)
    step = make_train_step(
        generator,
        discriminator,
        gen_opt,
        disc_opt,
        latent_dim=latent_dim,
        from_logits=from_logits,
        jit_compile=jit_compile,
    )
    if fixed_noise is None:
        fixed_noise = np.random.default_rng(seed).standard_normal((16, latent_dim))
    fixed_noise = tf.constant(fixed_noise, tf.float32)
    dataset = (
        tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed).batch(batch_size)
    )
    names = ("gen_loss", "disc_loss", "d_real", "d_fake")
    history: dict[str, list[float]] = {k: [] for k in (*names, "seconds")}
    per_step: dict[str, list[float]] = {k: [] for k in names}
    samples = [sample_images(generator, fixed_noise)]
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        batch_values = [[float(v) for v in step(batch)] for batch in dataset]
        seconds = time.perf_counter() - t0
        for k, column in zip(names, zip(*batch_values)):
            per_step[k].extend(column)
            history[k].append(float(np.mean(column)))
        history["seconds"].append(seconds)
        samples.append(sample_images(generator, fixed_noise))
        if verbose:
            print(
                f"epoch {epoch}/{epochs}  gen_loss {history['gen_loss'][-1]:.3f}  "
                f"disc_loss {history['disc_loss'][-1]:.3f}  D(real) {history['d_real'][-1]:.2f}"
                f"  D(fake) {history['d_fake'][-1]:.2f}  {seconds:.1f} s"
            )
    return GANRun(
        generator,
        discriminator,
        history,
        {k: np.asarray(v) for k, v in per_step.items()},
        np.stack(samples),
    )


def seed_loss_error(code: str = SEED_TRAIN_STEP_CODE) -> str:
    """Run the notes' training step as printed; return the error it raises.

    The names it needs (models, optimisers, loss, sizes) are defined as in the notes.
    Returns ``"no error"`` if it runs.
    """
    import keras
    import tensorflow as tf

    namespace = {
        "tf": tf,
        "batch_size": 4,
        "random_dim": LATENT_DIM,
        "generator": build_generator(),
        "discriminator": build_discriminator("sigmoid"),
        "cross_entropy": keras.losses.BinaryCrossentropy(from_logits=True),
        "generator_optimizer": keras.optimizers.Adam(1e-4),
        "discriminator_optimizer": keras.optimizers.Adam(1e-4),
    }
    return run_notes_code(code, namespace)


def mismatch_table(probabilities=(0.01, 0.5, 0.99)) -> list[dict[str, float]]:
    """Loss of a discriminator output *p* under the notes' mix and under a consistent loss.

    For each probability ``p`` that a sigmoid discriminator gives a **real** image, the
    loss for the label "real" computed (a) as the notes do, treating ``p`` as a logit
    (``from_logits=True``), and (b) correctly (``from_logits=False``, i.e. ``-log p``).

    Returns
    -------
    list of dict with keys ``p``, ``notes_loss``, ``correct_loss``.
    """
    import keras
    import numpy as np

    rows = []
    for p in probabilities:
        y, out = np.ones((1, 1), "float32"), np.full((1, 1), p, "float32")
        rows.append(
            {
                "p": float(p),
                "notes_loss": float(keras.losses.BinaryCrossentropy(from_logits=True)(y, out)),
                "correct_loss": float(keras.losses.BinaryCrossentropy(from_logits=False)(y, out)),
            }
        )
    return rows


def build_judge(n_classes: int = 10) -> keras.Model:
    """Build a small MNIST classifier used to read generated digits (inputs in [0, 1])."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layers.Reshape((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ],
        name="judge",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def judge_samples(
    judge,
    images: np.ndarray,
    min_share: float = MIN_SHARE,
) -> dict[str, object]:
    """Read generated digits with a classifier: which digits, how confidently.

    Parameters
    ----------
    images : ndarray, shape (n, 28, 28), values in [0, 1]

    Returns
    -------
    dict
        ``counts`` (10,) how many images were read as each digit; ``confidence``:
        mean top probability; ``entropy_bits``: entropy of the digit distribution
        (log2 10 = 3.32 bits when all ten digits are equally frequent, 0 under total
        mode collapse); ``n_digits``: digits that make up at least *min_share* of the
        samples.
    """
    proba = judge.predict(images, verbose=0)
    pred = proba.argmax(axis=1)
    counts = np.bincount(pred, minlength=proba.shape[1])
    share = counts / counts.sum()
    return {
        "counts": counts,
        "confidence": float(proba.max(axis=1).mean()),
        "entropy_bits": float(entropy_bits(counts)),
        "n_digits": int((share >= min_share).sum()),
        "top_proba": proba.max(axis=1),
    }


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of the distribution(s) that count tables describe (last axis)."""
    share = np.asarray(counts, dtype=float)
    share = share / share.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(share > 0, -share * np.log2(share), 0.0)
    return terms.sum(axis=-1)


def digits_differ(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    """Return the p-value of a chi-square test that two digit count tables share one distribution.

    Digits that neither table contains are left out (they carry no evidence).
    """
    from scipy.stats import chi2_contingency

    table = np.vstack([counts_a, counts_b])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 1.0  # one digit in both: the same (degenerate) distribution
    return float(chi2_contingency(table).pvalue)


def compare_entropy(counts_a, counts_b, *, n_boot: int = 4000, seed: int = 0, level=0.95):
    """Compare the entropies of two digit count tables with a bootstrap interval.

    Each table is resampled as a multinomial with its own shares (the parametric
    bootstrap); the standard deviation of the resampled differences sets the noise.
    Returns an ``mlbook.verdict.Verdict`` on entropy(a) - entropy(b), in bits.
    """
    from scipy.stats import norm

    from mlbook.verdict import Verdict

    rng = np.random.default_rng(seed)
    a, b = np.asarray(counts_a), np.asarray(counts_b)
    boot = [rng.multinomial(c.sum(), c / c.sum(), size=n_boot) for c in (a, b)]
    diffs = entropy_bits(boot[0]) - entropy_bits(boot[1])
    half = float(norm.ppf(0.5 + level / 2)) * float(diffs.std(ddof=1))
    n = int(min(a.sum(), b.sum()))
    diff = float(entropy_bits(a) - entropy_bits(b))
    return Verdict(diff, half, n, "images", "parametric bootstrap", level)


def plot_losses(run: GANRun, *, ax=None, smooth: int = 25):
    """Plot generator and discriminator loss per training step (moving average); return ax."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
    n_steps = len(run.steps["gen_loss"])
    steps_per_epoch = n_steps / max(1, len(run.history["gen_loss"]))
    k = max(1, min(smooth, n_steps // 5))
    kernel = np.ones(k) / k
    for key, label in (("gen_loss", "generator"), ("disc_loss", "discriminator")):
        values = np.convolve(run.steps[key], kernel, mode="valid")
        ax.plot((np.arange(len(values)) + k) / steps_per_epoch, values, label=label)
    ax.set(
        title="GAN losses during training",
        xlabel="epoch",
        ylabel=f"loss (moving average of {k} step{'s' if k != 1 else ''})",
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs
    # below the axes, where no curve runs (a crossing line is hidden under a legend)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    return ax


def plot_sample_evolution(samples: np.ndarray, epochs: list[int], *, n: int = 8):
    """Draw a grid: one row per chosen epoch, the same *n* noise vectors in the columns."""
    import matplotlib.pyplot as plt

    size = min(1.1, 6.2 / n)  # with the row labels at most 6.8 inches wide, the column
    fig, axes = plt.subplots(
        len(epochs), n, figsize=(size * n + 0.6, (size + 0.05) * len(epochs) + 0.4), squeeze=False
    )
    for r, epoch in enumerate(epochs):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(samples[epoch, c], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            ax.grid(False)
            if c == 0:
                ax.set_ylabel(f"epoch {epoch}", rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle("The same noise vectors through training")
    fig.tight_layout()
    return fig


def shown_epochs(epochs: int, max_rows: int = 7) -> tuple[list[int], str]:
    """Choose the rows of the sample-evolution grid and say which epochs they are.

    Every epoch (0 = before training) when ``epochs + 1 <= max_rows``; otherwise
    *max_rows* evenly spaced ones, always the first and the last.

    Returns
    -------
    rows : list of int
    description : str
        ``"before training and after every epoch"``, or which epochs are shown and that
        the others are skipped, for the caption.
    """
    if epochs + 1 <= max_rows:
        return list(range(epochs + 1)), "before training (top row) and after every epoch"
    rows = sorted({int(e) for e in np.linspace(0, epochs, max_rows).round()})
    skipped = epochs + 1 - len(rows)
    listed = ", ".join(str(e) for e in rows[1:-1]) + f" and {rows[-1]}"
    return rows, (
        f"before training (top row) and after epochs {listed} only; the other "
        f"{skipped} epoch{'s' if skipped != 1 else ''} are skipped to keep the grid small"
    )


def softplus(z: np.ndarray) -> np.ndarray:
    """Return ``log(1 + exp(z))``, computed without overflow."""
    return np.logaddexp(0.0, z)


def gan_losses_by_hand(real_logits: np.ndarray, fake_logits: np.ndarray) -> tuple[float, float]:
    """Both players' losses from the discriminator's logits, by their formulas.

    With ``D = sigmoid(s)``, ``-log D = softplus(-s)`` and ``-log(1 - D) = softplus(s)``.

    Returns
    -------
    gen_loss : float
        ``mean(-log D(G(z)))``, the non-saturating generator loss.
    disc_loss : float
        ``mean(-log D(x)) + mean(-log(1 - D(G(z))))``.
    """
    real, fake = np.ravel(real_logits), np.ravel(fake_logits)
    gen_loss = softplus(-fake).mean()  # fakes labelled "real"
    disc_loss = softplus(-real).mean() + softplus(fake).mean()  # real -> 1, fake -> 0
    return float(gen_loss), float(disc_loss)


def draw_gan_loop(*, ax=None):
    """Draw one GAN training step: who feeds whom, and which loss updates which network.

    Seven boxes (``gid="box"``): the noise, the generator, its fakes, the real images,
    the discriminator and the two losses. Six solid arrows (``gid="flow"``) carry data
    forward; two dashed arrows (``gid="update"``) carry each loss's gradient back to the
    network it updates: the discriminator's loss to the discriminator, the generator's
    loss (through the discriminator, which it does not change) to the generator.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.3))
    g_colour, d_colour, data_colour, loss_colour = "#c6dbef", "#fdd49e", "#f0f0f0", "#e5f5e0"
    boxes = {  # key: (x, y, width, text, colour)
        "noise": (0.85, 2.6, 1.6, "noise $z$\n$\\sim \\mathcal{N}(0, I)$", data_colour),
        "G": (2.85, 2.6, 1.5, "generator\n$G$", g_colour),
        "fake": (5.0, 2.6, 2.0, "fake images\n$G(z)$", data_colour),
        "real": (5.0, 0.9, 2.0, "real images\n$x$ (MNIST)", data_colour),
        "D": (7.45, 1.75, 2.1, "discriminator\n$D$", d_colour),
        "LG": (9.95, 2.6, 2.1, "$L_G$: fakes\nlabelled real", loss_colour),
        "LD": (9.95, 0.9, 2.1, "$L_D$: real → 1,\nfakes → 0", loss_colour),
    }
    height = 1.0
    for x, y, width, text, colour in boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.02,rounding_size=0.15",
                facecolor=colour,
                edgecolor="0.2",
                linewidth=1.2,
                gid="box",
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5)

    def edge(a, b, side_a="right", side_b="left"):
        xa, ya, wa = boxes[a][:3]
        xb, yb, wb = boxes[b][:3]
        start = (xa + wa / 2, ya) if side_a == "right" else (xa, ya + height / 2)
        end = (xb - wb / 2, yb) if side_b == "left" else (xb, yb - height / 2)
        return start, end

    def arrow(start, end, gid, **kw):
        style = dict(arrowstyle="-|>", mutation_scale=13, color="0.15", linewidth=1.4)
        style.update(kw)
        ax.add_patch(FancyArrowPatch(start, end, gid=gid, **style))

    for a, b in [
        ("noise", "G"),
        ("G", "fake"),
        ("fake", "D"),
        ("real", "D"),
        ("D", "LG"),
        ("D", "LD"),
    ]:
        arrow(*edge(a, b), "flow")
    # the updates: each loss's gradient back to the network it trains
    arrow(
        (boxes["LD"][0], boxes["LD"][1] - height / 2),
        (boxes["D"][0] + 0.3, boxes["D"][1] - height / 2),
        "update",
        color="tab:red",
        linestyle="--",
        connectionstyle="arc3,rad=-0.55",
    )
    ax.text(8.9, -0.15, "updates $D$", ha="center", va="center", fontsize=10, color="tab:red")
    arrow(
        (boxes["LG"][0], boxes["LG"][1] + height / 2),
        (boxes["G"][0], boxes["G"][1] + height / 2),
        "update",
        color="tab:blue",
        linestyle="--",
        connectionstyle="arc3,rad=0.18",
    )
    ax.text(
        6.45,
        4.05,
        "updates $G$ only (the gradient passes through $D$)",
        ha="center",
        va="center",
        fontsize=10,
        color="tab:blue",
    )
    ax.set(xlim=(-0.05, 11.1), ylim=(-0.45, 4.3), aspect="equal")
    ax.axis("off")
    ax.set_title("One GAN training step: two players, two losses, two updates", fontsize=11)
    return ax
