"""The notebook edition as its readers meet it: JupyterLab 4 and a fresh environment.

* In a real JupyterLab (the version Binder adds, pinned in ``requirements-dev.txt``),
  driven in Chromium, every executed chapter's file that its Binder link opens shows no
  raw MyST in any rendered cell, every function the site page shows, typeset math and
  its figures.
* Downloaded notebooks run top to bottom in a fresh virtual environment through their
  own install cell (pointed at this checkout with ``MLBOOK_INSTALL``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from bs4 import BeautifulSoup

from booktools.toc import executed_pages
from conftest import ROOT

PAGES = [p.relative_to(ROOT).with_suffix("").as_posix() for p in executed_pages(ROOT)]
#: What raw MyST looks like once JupyterLab has rendered it (code excluded).
RAW = re.compile(
    r"\{[a-z][\w-]*(?::[\w-]+)?\}|:(?:pyobject|class|label|name|tags|alt|format):|^:::|^\(\S+\)=",
    re.M,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binder_path(site: Path, name: str) -> str:
    """Return the file the page's Binder button opens (its ``urlpath`` after ``lab/tree``)."""
    soup = BeautifulSoup((site / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    link = next(a["href"] for a in soup.select("a[href]") if "Binder" in a.get_text())
    urlpath = parse_qs(urlparse(link).query)["urlpath"][0]
    assert urlpath.startswith("lab/tree/"), link
    return urlpath.removeprefix("lab/tree/")


def shown_functions(name: str) -> list[str]:
    source = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    return [f.rsplit(".", 1)[-1] for f in re.findall(r"^:pyobject:\s*(\S+)", source, re.M)]


@pytest.fixture(scope="module")
def lab(built_site, tmp_path_factory):
    """JupyterLab serving the notebooks branch's layout: each edition beside its page."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is pinned in requirements-dev.txt")
    work = tmp_path_factory.mktemp("lab")
    tree = work / "tree"
    for name in PAGES:
        target = tree / binder_path(built_site, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built_site / "_sources" / f"{name}.ipynb", target)
    # Render every cell at once (JupyterLab 4 otherwise renders only the visible ones).
    settings = work / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = work / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port, token = free_port(), "edition-test"
    env = {**os.environ, "HOME": str(work), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings")}
    env["JUPYTER_CONFIG_DIR"] = str(work / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(work / "runtime")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tree}",
            "--ServerApp.open_browser=False",
            "--allow-root",  # CI runs as root
            "--LabApp.extension_manager=readonly",  # no PyPI queries
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "lab.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (work / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
    yield url, token, work
    server.terminate()
    server.wait(timeout=30)


def shut_down_kernels(url: str, token: str) -> None:
    """Stop the kernels JupyterLab started for the notebooks it opened."""
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}") as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{url}/api/kernels/{kernel['id']}?token={token}", method="DELETE"
        )
        urllib.request.urlopen(request)


#: In the page: the rendered markdown's text without its code, its code, math and images.
READ_CELLS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')];
  // open the folded solutions, as a reader does (closed, their text is not rendered)
  panel.querySelectorAll('details').forEach(d => { d.open = true; });
  const prose = cells.map(c => {
    const copy = c.cloneNode(true);
    copy.querySelectorAll('pre, code, mjx-container, .MathJax').forEach(e => e.remove());
    return copy.innerText;
  }).join('\\n');
  const code = cells.flatMap(c => [...c.querySelectorAll('pre')].map(p => p.innerText)).join('\\n');
  const images = cells.flatMap(c => [...c.querySelectorAll('img')]);
  return {
    count: cells.length,
    prose, code,
    math: panel.querySelectorAll('.jp-MarkdownCell mjx-container').length,
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
  };
}"""


@pytest.mark.browser
def test_every_chapter_reads_in_jupyterlab(browser, built_site, lab):
    """Each chapter's Binder file in JupyterLab: no raw MyST, the shown code, math, figures."""
    url, token, work = lab
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    try:
        for name in PAGES:
            path = binder_path(built_site, name)
            nb = json.loads((built_site / "_sources" / f"{name}.ipynb").read_text())
            n_markdown = sum(c["cell_type"] == "markdown" for c in nb["cells"])
            has_math = any("$" in c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")
            # a workspace of its own: the notebook is the only document open
            workspace = re.sub(r"\W", "-", name)
            tab.goto(f"{url}/lab/workspaces/{workspace}/tree/{path}?reset&token={token}")
            tab.wait_for_function(
                "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                ".jp-MarkdownCell .jp-RenderedMarkdown').length >= n",
                arg=n_markdown,
                timeout=60_000,
            )
            if has_math:
                tab.wait_for_selector(
                    ".jp-MarkdownCell mjx-container", state="attached", timeout=30_000
                )
            tab.wait_for_timeout(500)
            seen = tab.evaluate(READ_CELLS)
            raw = sorted(set(RAW.findall(seen["prose"])))
            if raw:
                problems.append(f"{name}: raw MyST in rendered cells: {raw[:8]}")
            if "$$" in seen["prose"]:
                problems.append(f"{name}: math left untypeset")
            missing = [
                f
                for f in shown_functions(name)
                if not re.search(rf"^(?:async def|def|class) {re.escape(f)}\b", seen["code"], re.M)
            ]
            if missing:
                problems.append(f"{name}: shown on the site, absent in JupyterLab: {missing}")
            if seen["broken"]:
                problems.append(f"{name}: figures that do not load: {seen['broken'][:3]}")
            if name.endswith(
                ("02-deep-learning", "04-cnn", "03-decision-trees", "07-active-learning")
            ):
                tab.screenshot(path=str(work / f"{name.replace('/', '-')}.png"))
            shut_down_kernels(url, token)
    finally:
        tab.close()
    assert not problems, "\n".join(problems)
