"""The notebook edition as its readers meet it: JupyterLab 4 and a fresh environment.

* In a real JupyterLab (the version Binder runs, pinned in ``requirements.txt``),
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
import subprocess
import sys
from pathlib import Path

import pytest

from booktools.toc import executed_pages
from conftest import (
    ROOT,
    binder_path,
    defines,
    shown_functions,
    shut_down_kernels,
    start_lab,
    write_lab_test_settings,
)

PAGES = [p.relative_to(ROOT).with_suffix("").as_posix() for p in executed_pages(ROOT)]
#: What raw MyST looks like once JupyterLab has rendered it (code excluded).
RAW = re.compile(
    r"\{[a-z][\w-]*(?::[\w-]+)?\}|:(?:pyobject|class|label|name|tags|alt|format):|^:::|^\(\S+\)=",
    re.M,
)


@pytest.fixture(scope="module")
def lab(built_site, tmp_path_factory):
    """JupyterLab serving the notebooks branch's layout: each edition beside its page."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is pinned in requirements.txt")
    work = tmp_path_factory.mktemp("lab")
    tree = work / "tree"
    for name in PAGES:
        target = tree / binder_path(built_site, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built_site / "_sources" / f"{name}.ipynb", target)
    write_lab_test_settings(work / "settings")
    token = "edition-test"
    env = {**os.environ, "HOME": str(work), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings")}
    env["JUPYTER_CONFIG_DIR"] = str(work / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(work / "runtime")
    server, url = start_lab(tree, env, work / "lab.log", token)
    yield url, token, work
    server.terminate()
    server.wait(timeout=30)


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
            # once its kernel is up, the notebook is as it was saved (not shown modified)
            tab.locator("#jp-main-statusbar", has_text="Idle").wait_for(timeout=60_000)
            tab.wait_for_timeout(500)
            if tab.locator(".lm-TabBar-tab.jp-mod-dirty").count():
                problems.append(f"{name}: JupyterLab shows the notebook modified on opening")
            seen = tab.evaluate(READ_CELLS)
            raw = sorted(set(RAW.findall(seen["prose"])))
            if raw:
                problems.append(f"{name}: raw MyST in rendered cells: {raw[:8]}")
            if "$$" in seen["prose"]:
                problems.append(f"{name}: math left untypeset")
            missing = [f for f in shown_functions(name) if not defines(seen["code"], f)]
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


#: Two chapters that run in well under a minute in the quick profile.
RUN_FRESH = ["book/sklearn/03-decision-trees", "book/sklearn/07-active-learning"]

RUN_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3").execute()
nbformat.write(nb, sys.argv[2])
"""


@pytest.fixture
def fresh_venv(tmp_path_factory) -> Path:
    """Make a new virtual environment with the book's packages but not ``mlbook``.

    The pinned packages come from this environment's site-packages (a ``.pth`` line, which
    does not run this environment's editable ``mlbook`` hook): only ``mlbook`` is missing,
    as on Colab, so the notebook's own install cell must install it.
    """
    import sysconfig

    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "book-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = subprocess.run([python, "-c", "import mlbook"], capture_output=True)
    assert check.returncode != 0, "mlbook is importable in the fresh environment already"
    return venv


def package_copy(tmp_path: Path) -> Path:
    """Copy what builds ``mlbook`` from this checkout (building in place leaves ``build/``)."""
    copy = tmp_path / "mlbook-source"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-CONTENT"):
        shutil.copy(ROOT / name, copy / name)
    shutil.copy(ROOT / "THIRD-PARTY-LICENSES.md", copy)
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("name", RUN_FRESH)
def test_a_downloaded_notebook_runs_in_a_fresh_environment(built_site, fresh_venv, tmp_path, name):
    """The .ipynb download runs top to bottom where mlbook is not installed (its claims too)."""
    download = tmp_path / "chapter.ipynb"
    shutil.copy(built_site / "_sources" / f"{name}.ipynb", download)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "MLBOOK_PROFILE", "MPLBACKEND", "VIRTUAL_ENV")
    }
    env.update(
        MLBOOK_INSTALL=f"mlbook @ {package_copy(tmp_path).as_uri()}",  # not the commit on GitHub
        IPYTHONDIR=str(tmp_path / "ipython"),
        PATH=f"{fresh_venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    proc = subprocess.run(
        [fresh_venv / "bin" / "python", "-c", RUN_NOTEBOOK, download, tmp_path / "ran.ipynb"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    ran = json.loads((tmp_path / "ran.ipynb").read_text())
    install = next(c for c in ran["cells"] if c["cell_type"] == "code")
    printed = "".join("".join(o.get("text", "")) for o in install["outputs"])
    assert "Installing: mlbook @ file:" in printed
    assert "Profile: quick" in printed
    where = subprocess.run(
        [fresh_venv / "bin" / "python", "-c", "import mlbook; print(mlbook.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert str(fresh_venv) in where  # installed into the fresh environment by the cell
