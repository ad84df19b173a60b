"""mlbook's generated stand-in for CIFAR-10: procedural 'shapes and textures'.

No package registry carries CIFAR-10, so offline :func:`mlbook.data.load_cifar10`
falls back to these images, of the same shape and label format. Results on them are
**not** CIFAR-10 results, and a page using them says so.
"""

from __future__ import annotations

import numpy as np

#: The ten classes of mlbook's offline stand-in (see :func:`cifar10_stand_in`).
CIFAR10_STAND_IN_CLASSES = (
    "disc",
    "ring",
    "square",
    "frame",
    "triangle",
    "cross",
    "stripes",
    "checkerboard",
    "dots",
    "blobs",
)


def _masks(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Foreground masks, shape (n, 32, 32), values in [0, 1], for one stand-in class."""
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    col = lambda a: np.asarray(a, np.float32)[:, None, None]  # noqa: E731
    cx, cy = col(rng.uniform(10, 22, n)), col(rng.uniform(10, 22, n))
    r = col(rng.uniform(5, 11, n))
    th = col(rng.uniform(0, 2 * np.pi, n))
    w = col(rng.uniform(1.5, 3.0, n))  # line thickness
    p = col(rng.uniform(4.5, 9.0, n))  # texture period
    ph1, ph2 = col(rng.uniform(0, 1, n)), col(rng.uniform(0, 1, n))
    dx, dy = xx - cx, yy - cy
    u, v = dx * np.cos(th) + dy * np.sin(th), -dx * np.sin(th) + dy * np.cos(th)
    soft = lambda sd: np.clip(0.5 + sd, 0.0, 1.0)  # noqa: E731  signed distance -> mask
    disc_sd = lambda: r - np.hypot(dx, dy)  # noqa: E731
    square_sd = lambda: np.minimum(0.85 * r - np.abs(u), 0.85 * r - np.abs(v))  # noqa: E731
    if label == 0:  # disc
        return soft(disc_sd())
    if label == 1:  # ring
        sd = disc_sd()
        return soft(np.minimum(sd, w - sd))
    if label == 2:  # square
        return soft(square_sd())
    if label == 3:  # frame (hollow square)
        sd = square_sd()
        return soft(np.minimum(sd, w - sd))
    if label == 4:  # triangle: three half-planes
        sd = np.minimum.reduce(
            [
                0.6 * r
                - (dx * np.cos(th + k * 2 * np.pi / 3) + dy * np.sin(th + k * 2 * np.pi / 3))
                for k in range(3)
            ]
        )
        return soft(sd)
    if label == 5:  # cross
        arm1 = np.minimum(w - np.abs(v), r - np.abs(u))
        arm2 = np.minimum(w - np.abs(u), r - np.abs(v))
        return soft(np.maximum(arm1, arm2))
    if label == 6:  # stripes, any orientation
        return (np.sin(2 * np.pi * (u / p + ph1)) > 0).astype(np.float32)
    if label == 7:  # checkerboard
        return (np.sin(2 * np.pi * (u / p + ph1)) * np.sin(2 * np.pi * (v / p + ph2)) > 0).astype(
            np.float32
        )
    if label == 8:  # dots on a rotated lattice
        du = ((u / p + ph1) % 1.0 - 0.5) * p
        dv = ((v / p + ph2) % 1.0 - 0.5) * p
        return soft(0.28 * p - np.hypot(du, dv))
    if label == 9:  # blobs: a smooth random field, thresholded
        field = np.zeros((n, 32, 32), np.float32)
        for _ in range(3):
            ang, freq = col(rng.uniform(0, 2 * np.pi, n)), col(rng.uniform(1 / 20, 1 / 10, n))
            phase = col(rng.uniform(0, 2 * np.pi, n))
            field += np.cos(2 * np.pi * freq * (xx * np.cos(ang) + yy * np.sin(ang)) + phase)
        return (field > 0).astype(np.float32)
    raise ValueError(f"no stand-in class {label}")


def _images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render stand-in images for *labels* (n,): uint8 (n, 32, 32, 3)."""
    n = len(labels)
    masks = np.empty((n, 32, 32, 1), np.float32)
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        if len(idx):
            masks[idx, ..., 0] = _masks(c, len(idx), rng)
    bg = rng.uniform(0, 1, (n, 1, 1, 3)).astype(np.float32)
    fg = (bg + rng.uniform(0.2, 0.8, (n, 1, 1, 3)).astype(np.float32)) % 1.0
    img = masks * (fg - bg)  # in place from here on
    img += bg
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32) / 31.0 - 0.5
    slope = rng.normal(0, 0.25, (n, 2, 1, 1, 3)).astype(np.float32)  # uneven lighting
    img += slope[:, 0] * xx[None, :, :, None]
    img += slope[:, 1] * yy[None, :, :, None]
    # sensor noise of random strength: a bank of Gaussian noise images, randomly rolled
    bank = rng.standard_normal((256, 32, 32, 3), dtype=np.float32)
    pick, shift = rng.integers(0, 256, n), int(rng.integers(0, 32))
    noise = np.roll(bank[pick], shift, axis=1)
    noise *= rng.uniform(0.05, 0.25, (n, 1, 1, 1)).astype(np.float32)
    img += noise
    img *= 255.0
    np.clip(img, 0, 255, out=img)
    return np.rint(img, out=img).astype(np.uint8)


def cifar10_stand_in(
    n_train: int = 50_000, n_test: int = 10_000, seed: int = 10
) -> dict[str, np.ndarray]:
    """Generate mlbook's offline stand-in for CIFAR-10: procedural 'shapes and textures'.

    Ten balanced classes (:data:`CIFAR10_STAND_IN_CLASSES`): six shapes (disc, ring,
    square, frame, triangle, cross) of random size, position and rotation, and four
    textures (stripes, checkerboard, dots, blobs) of random period and orientation;
    random foreground and background colours, uneven lighting and Gaussian noise of
    random strength. Colour carries no information about the class; shape does.
    Deterministic for a given *seed*; generated in chunks (a few seconds for 60 000).

    Returns
    -------
    dict
        ``x_*`` uint8 ``(n, 32, 32, 3)`` and ``y_*`` uint8 ``(n, 1)``, like Keras' loader.
    """
    out: dict[str, np.ndarray] = {}
    for part, n, stream in (("train", n_train, 0), ("test", n_test, 1)):
        rng = np.random.default_rng([seed, stream])
        y = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        x = np.empty((n, 32, 32, 3), np.uint8)
        for start in range(0, n, 5000):
            x[start : start + 5000] = _images(y[start : start + 5000], rng)
        out[f"x_{part}"], out[f"y_{part}"] = x, y[:, None]
    return out


#: Bump when :func:`cifar10_stand_in` changes, so an old cached copy is not reused.
CIFAR10_STAND_IN_VERSION = 1
