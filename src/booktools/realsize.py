"""What the online build costs with real data, measured here: ``make realsize``.

    python -m booktools.realsize            # writes book/appendix/real-data-timings.json

Offline, the book trains on the same subset sizes it would use online (the full profile
takes a subset of CIFAR-10 and of MNIST), so the online build differs only in what the
real data and weights add: reading and preparing CIFAR-10's 50 000 real-size images,
loading InceptionV3's ImageNet weights and running it on a photograph, loading the zoo's
SSD and detecting on one image, and the downloads. This measures, on this machine, each
of those with arrays of the real size and shape (generated: the real files cannot be
fetched here), one epoch of the CNN at the notes' size and at the full profile's, the
InceptionV3 forward pass and one fine-tuning step of its transfer model at the page's
batch size, and writes them into a JSON file that the execution report appendix shows
(:mod:`booktools.sphinx_report`) with the estimate of the online build time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from booktools.toc import find_root

#: Where the measurements live (committed; re-measured with ``make realsize``).
RESULT = Path("book") / "appendix" / "real-data-timings.json"
#: Download sizes in MB (the files' sizes at their origins) and the bandwidth assumed
#: for a hosted runner, to turn them into seconds.
DOWNLOAD_MB = {"CIFAR-10 archive": 163, "InceptionV3 weights": 92, "SSD MobileNet v2": 46}
ASSUMED_MB_PER_S = 20


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure() -> list[dict]:
    """Run each measurement; return ``[{"what", "seconds", "online_only"}]``."""
    import keras

    from booktools.mirror import inception_weights
    from mlbook import cnn
    from mlbook import image_classification as ic
    from mlbook.page import hardware
    from mlbook.repro import seed_everything

    seed_everything(0)
    rows = []
    rng = np.random.default_rng(0)
    x_real = rng.integers(0, 256, size=(50_000, 32, 32, 3), dtype=np.uint8)
    y_real = rng.integers(0, 10, size=(50_000, 1), dtype=np.uint8)
    prepared = {}
    rows.append(
        {
            "what": "CIFAR-10: scale 50 000 real-size images to floats (cnn.prepare)",
            "seconds": _seconds(lambda: prepared.update(all=cnn.prepare(x_real, y_real))),
            "online_only": True,
        }
    )
    full = cnn.SETTINGS["full"]
    x_all, y_all = prepared["all"]
    for label, n in (("the notes' 50 000 images", 50_000), ("the full profile's", None)):
        n = n or full["train_size"]
        model = cnn.build_cnn()
        seconds = _seconds(
            lambda m=model, n=n: m.fit(
                x_all[:n], y_all[:n], epochs=1, batch_size=full["batch_size"], verbose=0
            )
        )
        rows.append(
            {
                "what": f"CNN: one epoch on {label} ({n:,} images, batch {full['batch_size']})",
                "seconds": seconds,
                "online_only": False,
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        weights = inception_weights(Path(tmp) / "inception.h5")
        model = {}
        rows.append(
            {
                "what": "InceptionV3: build with ImageNet-format weights from the .h5 file",
                "seconds": _seconds(lambda: model.update(m=ic.build_inception(str(weights)))),
                "online_only": True,
            }
        )
        photo = ic.load_for_inception(ic.save_sample_photo(tmp))
        model["m"].predict(photo, verbose=0)  # warm-up: the first call traces the graph
        rows.append(
            {
                "what": "InceptionV3: classify one 299 x 299 photograph (forward pass)",
                "seconds": _seconds(lambda: model["m"].predict(photo, verbose=0)),
                "online_only": True,
            }
        )
    transfer = ic.inception_transfer_model(10, weights=None)
    batch = 32
    xb = rng.random((batch, 299, 299, 3), dtype=np.float32)
    yb = rng.integers(0, 10, batch)
    transfer.train_on_batch(xb, yb)  # warm-up
    rows.append(
        {
            "what": f"InceptionV3 transfer model: one fine-tuning step (batch {batch})",
            "seconds": _seconds(lambda: transfer.train_on_batch(xb, yb)),
            "online_only": True,
        }
    )
    backbone = keras.applications.MobileNetV2(
        weights=None, include_top=False, input_shape=(320, 320, 3)
    )
    image = rng.random((1, 320, 320, 3), dtype=np.float32)
    backbone.predict(image, verbose=0)
    rows.append(
        {
            "what": "SSD: its MobileNetV2 backbone on one 320 x 320 image (a proxy: the zoo's "
            "SavedModel cannot be fetched here)",
            "seconds": _seconds(lambda: backbone.predict(image, verbose=0)),
            "online_only": True,
        }
    )
    for what, mb in DOWNLOAD_MB.items():
        rows.append(
            {
                "what": f"download the {what} ({mb} MB at an assumed {ASSUMED_MB_PER_S} MB/s)",
                "seconds": mb / ASSUMED_MB_PER_S,
                "online_only": True,
            }
        )
    return [{**r, "seconds": round(r["seconds"], 1)} for r in rows] + [
        {"machine": hardware(), "date": dt.date.today().isoformat()}
    ]


def main(argv: list[str] | None = None) -> int:
    """Measure and write :data:`RESULT`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = find_root(args.root)
    rows = measure()
    (root / RESULT).write_text(json.dumps(rows, indent=1) + "\n")
    for row in rows[:-1]:
        print(f"{row['seconds']:8.1f} s  {row['what']}")
    print(f"written to {RESULT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
