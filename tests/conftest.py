"""Shared fixtures: a fixed seed and tiny MNIST-shaped data, so unit tests stay fast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Unit tests never touch the network, stay quiet and draw figures off-screen.
os.environ.setdefault("MLBOOK_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def tiny_digits(rng):
    """300 28x28 uint8 'images' whose class is written in a bright block: learnable fast."""
    n = 300
    y = rng.integers(0, 10, size=n).astype(np.uint8)
    x = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(y):
        r = 2 + 2 * label
        x[i, r : r + 3, 4:24] = 255
    return x, y


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """Point mlbook at an empty cache folder and Keras at no cache."""
    monkeypatch.setenv("MLBOOK_DATA_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "cache"


ROOT = Path(__file__).resolve().parents[1]


#: The profile whose site the book and browser tests check: ``quick`` (built here, the
#: default) or ``full`` (the published site: ``make check-site`` after ``make book``,
#: which reuses that build's execution cache).
SITE_PROFILE = os.environ.get("MLBOOK_SITE_PROFILE", "quick")


def shown_functions(name: str) -> list[str]:
    """Return what book page *name* shows with ``{literalinclude}`` + ``:pyobject:``."""
    source = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    return re.findall(r"^:pyobject:\s*(\S+)", source, re.M)


def defines(text: str, dotted: str) -> bool:
    """Return whether *text* shows the source of *dotted* (``f`` or ``Class.f``)."""
    name = dotted.rsplit(".", 1)[-1]
    pattern = rf"^[>\s]*(?:async def|def|class) {re.escape(name)}\b"  # in a quote too
    return re.search(pattern, text, re.M) is not None


MYST_FRONT_MATTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


@pytest.fixture
def myst_page():
    """Give a writer of MyST notebook pages.

    It writes the book's front matter, a title and *cells* as code cells to *path*, and
    returns the path.
    """

    def write(path: Path, *cells: str, title: str = "A chapter") -> Path:
        body = "".join(f"\n```{{code-cell}} ipython3\n{cell}\n```\n" for cell in cells)
        path.write_text(f"{MYST_FRONT_MATTER}\n# {title}\n{body}")
        return path

    return write


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the whole book once in ``SITE_PROFILE``; the built site's folder.

    The build itself is a test: any cell error or Sphinx warning fails it.
    """
    from booktools import build

    if os.environ.get("MLBOOK_SITE_DIR"):  # check a site already built (e.g. a scratch copy)
        return Path(os.environ["MLBOOK_SITE_DIR"])

    env = {**os.environ, "MLBOOK_PROFILE": SITE_PROFILE}
    env.pop("MLBOOK_OFFLINE", None)  # the book uses the real data chain
    proc = subprocess.run(
        [sys.executable, "-m", "booktools.build", "--profile", SITE_PROFILE, "--root", str(ROOT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"{SITE_PROFILE} book build failed:\n" + (proc.stdout + proc.stderr)[-8000:])
    return build.html_dir(SITE_PROFILE, ROOT)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (or a hosted runner's Chrome); skip without one, fail under CI."""
    from booktools.pdf import find_chromium

    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's `chromium` package")
        pytest.skip("no Chromium installed (apt-get install chromium) - browser tests skipped")
    return chromium


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium driven by Playwright, with no network beyond localhost."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()
