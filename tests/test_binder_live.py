"""The active-learning chapter's live loop, driven in a Binder-like JupyterLab.

What a reader on Binder does at the end of ``book/sklearn/07-active-learning``: run every
cell of the notebook edition the page's Binder button opens, let the oracle label a
queried digit, retrain, and mistype a label. The server is started as Binder starts it:

* through the repository's ``start`` script (so ``MLBOOK_PROFILE`` defaults to quick, as
  there), with a fresh ``$HOME``;
* after ``postBuild`` has run in that home. Its ``pip install --no-deps -e .`` is skipped
  (a ``pip`` that does nothing comes first on its ``PATH``): this checkout is already
  installed in editable mode, and reinstalling it into the shared virtual environment
  would touch files other runs use. Everything else it does (JupyterLab's setting
  overrides in ``~/.jupyter/labconfig``) is applied and checked on the running server;
* with the JupyterLab and ipywidgets that ``requirements.txt`` pins for Binder.

The test adds only what a headless run needs: every cell rendered at once, no news
fetched, no extension-manager queries, ``--allow-root`` (CI runs as root). Screenshots go
to ``_build/test-output/binder-live/`` (not tracked).

The chapter's edition comes from the built site; the kernel imports ``mlbook`` from this
checkout (editable install), so the loop shown is the current code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

from conftest import (
    ROOT,
    binder_path,
    shut_down_kernels,
    start_lab,
    write_lab_test_settings,
)

pytestmark = pytest.mark.browser

NAME = "book/sklearn/07-active-learning"
OUTPUT = ROOT / "_build" / "test-output" / "binder-live"
#: The loop's status line, e.g. "41 labelled digits · accuracy 88.7 % on the unlabelled digits".
STATUS = re.compile(r"([\d,]+) labelled digits? · accuracy ([\d.]+) %")
#: The message after a retrain, e.g. "Learnt 1 label: accuracy 87.1 % → 88.7 % with 41 …".
LEARNT = re.compile(r"Learnt 1 label: accuracy ([\d.]+) % → ([\d.]+) % with ([\d,]+) labelled")
GREEN, RED = "rgb(38, 162, 105)", "rgb(192, 28, 40)"  # LiveLoop.say's "ok" and "error"


def pinned(package: str) -> str | None:
    """Return the version ``requirements.txt`` pins *package* to (``None`` if unpinned)."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(package)}==(\S+)\s*$", text, re.M | re.I)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def binder_lab(built_site, tmp_path_factory):
    """JupyterLab as Binder starts it (``postBuild``, then ``start``), serving the edition."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is pinned in requirements.txt")
    work = tmp_path_factory.mktemp("binder-live")
    home, tree = work / "home", work / "tree"
    home.mkdir()
    path = binder_path(built_site, NAME)
    (tree / path).parent.mkdir(parents=True)
    shutil.copy(built_site / "_sources" / f"{NAME}.ipynb", tree / path)

    # Binder's environment: none of this test session's settings (conftest's offline,
    # Agg backend, log level; a profile or Jupyter folders from the caller's shell).
    env = {**os.environ, "HOME": str(home)}
    for name in [
        "MLBOOK_PROFILE",
        "MLBOOK_OFFLINE",
        "MPLBACKEND",
        "TF_CPP_MIN_LOG_LEVEL",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTER_PATH",
    ]:
        env.pop(name, None)
    shim = work / "no-pip"
    shim.mkdir()
    (shim / "pip").write_text('#!/bin/sh\necho "pip $* (skipped by the test)"\n')
    (shim / "pip").chmod(0o755)
    post_build = subprocess.run(
        ["bash", str(ROOT / "postBuild")],
        cwd=ROOT,
        env={**env, "PATH": f"{shim}{os.pathsep}{env['PATH']}"},
        capture_output=True,
        text=True,
    )
    assert post_build.returncode == 0, post_build.stdout + post_build.stderr
    write_lab_test_settings(home / ".jupyter" / "lab" / "user-settings")

    token, log = "binder-live", work / "lab.log"
    # Binder's `python` is the environment requirements.txt built: this one
    server, url = start_lab(tree, env, log, token, prefix=("bash", str(ROOT / "start")))
    try:
        yield {"url": url, "token": token, "path": path, "env": env, "log": log}
    finally:
        try:
            shut_down_kernels(url, token)
        finally:
            server.terminate()
            server.wait(timeout=30)


def lab_get(lab: dict, route: str) -> dict:
    with urllib.request.urlopen(f"{lab['url']}{route}?token={lab['token']}") as response:
        return json.load(response)


def test_the_server_applies_postbuild_settings(binder_lab):
    """The override ``postBuild`` writes is in effect: MyST files open as Jupytext notebooks."""
    answer = lab_get(binder_lab, "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = answer["schema"]["properties"]["defaultViewers"].get("default", {})
    assert viewers.get("myst") == viewers.get("markdown") == "Jupytext Notebook", viewers


@pytest.mark.parametrize("package", ["jupyterlab", "ipywidgets"])
def test_the_server_runs_the_binder_pins(binder_lab, package):
    """The running JupyterLab (and the kernel's ipywidgets) are requirements.txt's pins."""
    pin = pinned(package)
    assert pin, f"requirements.txt must pin {package} (`{package}==...`): Binder installs it"
    if package == "jupyterlab":  # the version the server reports to the page it serves
        with urllib.request.urlopen(f"{binder_lab['url']}/lab?token={binder_lab['token']}") as r:
            page = r.read().decode()
        config = re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)
        running = json.loads(config.group(1))["appVersion"]
    else:  # the kernel's Python is the server's (ipykernel's own kernelspec)
        running = subprocess.run(
            [
                "bash",
                str(ROOT / "start"),
                sys.executable,
                "-c",
                f"import {package} as p; print(p.__version__)",
            ],
            env=binder_lab["env"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    assert running == pin, f"{package} {running} runs; requirements.txt pins {pin}"


def status(tab) -> tuple[int, str]:
    """Return the loop's status line as (labelled digits, accuracy text)."""
    text = tab.locator(".mlbook-live-status").inner_text()
    match = STATUS.search(text)
    assert match, f"no status line in {text!r}"
    return int(match.group(1).replace(",", "")), match.group(2)


def message(tab) -> tuple[str, str]:
    """Return the loop's message: its text and its colour."""
    span = tab.locator(".mlbook-live-message span")
    return span.inner_text(), span.evaluate("e => getComputedStyle(e).color")


def figures(tab) -> tuple[str, str]:
    """Return the ``src`` of the accuracy curve and of the confusion matrix."""
    return tuple(
        tab.locator(f"img.mlbook-live-{part}").get_attribute("src")
        for part in ("curve", "confusion")
    )


def screenshot(tab, name: str) -> None:
    """Save the notebook area, scrolled to the loop, to ``OUTPUT/name``; print the path."""
    # the status line in the middle: the buttons, the digits and both figures in view
    tab.locator(".mlbook-live-status").evaluate("e => e.scrollIntoView({block: 'center'})")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    tab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").screenshot(path=str(OUTPUT / name))
    print(f"screenshot: {OUTPUT / name}")


def test_a_reader_labels_a_digit_and_mistypes_one(browser, binder_lab):
    """Run all, oracle-label one digit and retrain, then type ``x`` and retrain."""
    url, token = binder_lab["url"], binder_lab["token"]
    tab = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        tab.goto(f"{url}/lab/workspaces/binder-live/tree/{binder_lab['path']}?reset&token={token}")
        tab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").wait_for(timeout=60_000)
        tab.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=60_000)

        # Run → Run All Cells, as a reader does
        tab.get_by_role("menuitem", name="Run", exact=True).click()
        tab.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        boxes = tab.locator(".mlbook-live-label input")
        boxes.first.wait_for(timeout=90_000)
        tab.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=60_000)
        traces = tab.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
        assert traces.count() == 0, traces.first.inner_text()[-2000:]

        n, accuracy = status(tab)
        shown = figures(tab)
        assert all(shown), shown

        # -- label one digit: the oracle fills every box, the reader keeps the first -----
        tab.locator("button.mlbook-live-oracle").click()
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.mlbook-live-label input')]"
            ".every(i => /^[0-9]$/.test(i.value))",
            timeout=20_000,
        )
        first = boxes.first.input_value()
        for i in range(1, boxes.count()):
            boxes.nth(i).fill("")
        tab.locator("button.mlbook-live-retrain").click()
        tab.locator(".mlbook-live-message", has_text="Learnt").wait_for(timeout=30_000)
        # both figures redrawn (the confusion matrix comes after the curve)
        tab.wait_for_function(
            "([curve, confusion]) => "
            "document.querySelector('img.mlbook-live-curve').src !== curve && "
            "document.querySelector('img.mlbook-live-confusion').src !== confusion",
            arg=list(shown),
            timeout=30_000,
        )
        text, color = message(tab)
        learnt = LEARNT.search(text)
        assert learnt, f"after labelling one digit ({first}), the message says {text!r}"
        assert color == GREEN, f"the 'Learnt' message is {color}, not green"
        assert learnt.group(1) == accuracy, (text, accuracy)
        n_after, accuracy_after = status(tab)
        assert n_after == n + 1 == int(learnt.group(3).replace(",", "")), (n, n_after, text)
        assert accuracy_after == learnt.group(2), (accuracy_after, text)
        shown_after = figures(tab)
        screenshot(tab, "labelled.png")
        for label in ["Let the oracle label", "Retrain", "digits per round"]:
            shown = tab.get_by_text(label, exact=True).first
            assert shown.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{label!r} is cut"

        # -- a bad label: an error, nothing else changes ---------------------------------
        boxes.first.fill("x")
        tab.locator("button.mlbook-live-retrain").click()
        tab.locator(".mlbook-live-message", has_text="Not a digit").wait_for(timeout=30_000)
        text, color = message(tab)
        assert "box 1 ('x')" in text, text
        assert "Type one digit per box" in text, text
        assert color == RED, f"the error message is {color}, not red"
        tab.wait_for_timeout(1000)  # anything the kernel still sent would have arrived
        assert status(tab) == (n + 1, accuracy_after)
        assert figures(tab) == shown_after, "a bad label redrew the figures"
        assert boxes.first.input_value() == "x"
        screenshot(tab, "bad-label.png")
    except Exception:
        print("JupyterLab log (tail):\n" + binder_lab["log"].read_text()[-3000:])
        raise
    finally:
        tab.close()
