"""Shared fixtures: a fixed seed and tiny MNIST-shaped data, so unit tests stay fast."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

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


# -- JupyterLab, for the notebook-edition and Binder tests ------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binder_path(site: Path, name: str) -> str:
    """Return the file the page's Binder button opens (its ``urlpath`` after ``lab/tree``)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((site / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    link = next(a["href"] for a in soup.select("a[href]") if "Binder" in a.get_text())
    urlpath = parse_qs(urlparse(link).query)["urlpath"][0]
    assert urlpath.startswith("lab/tree/"), link
    return urlpath.removeprefix("lab/tree/")


#: Command-line options every test's JupyterLab takes: as root (CI), no PyPI or news queries.
LAB_OPTIONS = [
    "--no-browser",
    "--ServerApp.open_browser=False",
    "--allow-root",  # CI runs as root
    "--LabApp.extension_manager=readonly",  # no PyPI queries
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]


def write_lab_test_settings(settings_dir: Path) -> None:
    """Write the user settings a test's JupyterLab needs into *settings_dir*.

    Every cell rendered at once (JupyterLab 4 otherwise renders only the visible ones),
    and no news fetched.
    """
    settings = settings_dir / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = settings_dir / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))


def start_lab(
    tree: Path, env: dict[str, str], log: Path, token: str, *, prefix: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """Start JupyterLab serving *tree* (run through *prefix*, e.g. Binder's ``start``).

    Return the server and its URL once it answers; fail with its log's tail if it does
    not within a minute.
    """
    port = free_port()
    server = subprocess.Popen(
        [
            *prefix,
            sys.executable,
            "-m",
            "jupyterlab",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tree}",
            *LAB_OPTIONS,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.5)


def shut_down_kernels(url: str, token: str) -> None:
    """Stop the kernels JupyterLab started for the notebooks it opened."""
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}") as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{url}/api/kernels/{kernel['id']}?token={token}", method="DELETE"
        )
        urllib.request.urlopen(request)
