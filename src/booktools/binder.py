"""Rehearse a Binder launch here: ``python -m booktools.binder`` (``make binder-check``).

Binder cannot be reached from this machine, so this does what repo2docker does, offline:

1. a fresh virtual environment from ``requirements.txt`` (which pins JupyterLab 4 and its
   server, so repo2docker's own JupyterLab is replaced by the tested one);
2. ``postBuild`` run in it (with its own ``$HOME``), and ``start`` applied to what runs;
3. every executed chapter opened the way JupyterLab opens it (jupytext: ``.md`` ->
   notebook; the notebook edition Binder's button opens runs the same code cells) and
   executed headless, top to bottom, in that environment, as the first chapter of a new
   session (no dataset cached yet), with its time and peak resident memory (kernel and
   children) against the book's limit, :data:`LIMIT_MB` (Binder gives about 2 GB; the
   peak moves between machines, so the limit leaves a margin);
4. JupyterLab started and asked for its settings: the chapters' default viewer must be
   jupytext's notebook (what ``postBuild`` configures).

Memory is measured, not capped: TensorFlow reserves far more *address space* than it
uses, so an address-space limit would fail every TensorFlow page for the wrong reason;
Binder's limit is on resident memory, which is what is compared.

The environment is Binder's, not the caller's: ``make`` exports ``MLBOOK_PROFILE=full``,
and a rehearsal that inherited it ran every chapter in the full profile (while ``start``
gives a Binder session the quick one). The table is written to :data:`RESULT`, which the
execution report appendix shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from booktools.toc import executed_pages, find_root

#: Binder's memory per user (mybinder.org).
BINDER_MB = 2048
#: The book's limit per chapter: Binder's memory less a margin for other machines.
LIMIT_MB = 1536
#: The measured table (committed; shown in the execution report appendix).
RESULT = Path("book") / "appendix" / "binder-memory.json"
#: Variables of the caller that a Binder session does not have (``make`` exports some).
NOT_ON_BINDER = ("MLBOOK_", "TF_", "MPLBACKEND", "PYTHONPATH", "VIRTUAL_ENV", "IPYTHONDIR")
#: The viewer JupyterLab must open the chapters with.
VIEWER = "Jupytext Notebook"


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run *cmd*, failing with its output if it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc


def environment(root: Path, work: Path) -> dict[str, str]:
    """Return the rehearsed image's environment: its venv first on PATH, its own HOME."""
    venv, home = work / "venv", work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_ON_BINDER)}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return env


def forget_datasets(home: Path) -> None:
    """Empty the data caches in *home*: each chapter runs as a new session's first."""
    for cache in (home / ".cache" / "mlbook", home / ".keras"):
        shutil.rmtree(cache, ignore_errors=True)


def build_image(root: Path, work: Path, python: str) -> dict[str, str]:
    """Create the venv, install as repo2docker would, run postBuild."""
    venv = work / "venv"
    if not (venv / "bin" / "python").exists():
        run([python, "-m", "venv", str(venv)])
    env = environment(root, work)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run([*pip, "-r", str(root / "requirements.txt")], env=env)
    run(["bash", str(root / "postBuild")], cwd=root, env=env)
    return env


def execute(page: Path, timeout: int = 900) -> dict:
    """Open *page* as JupyterLab does (jupytext) and execute it; time, memory, error."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from booktools.run_chapter import CellTime, PeakMemory, peak_rises

    nb = jupytext.read(page)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(page.parent)}},
    )
    t0, error, peak, cells = time.perf_counter(), None, 0.0, []
    with client.setup_kernel(), PeakMemory(client.km.provisioner.process.pid) as memory:
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    memory.window()
                    client.execute_cell(cell, index)
                    first = (cell.source.strip().splitlines() or [""])[0][:70]
                    cells.append(CellTime(index, 0.0, first, memory.window()))
        except CellExecutionError as exc:
            error = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
        finally:
            peak = memory.peak_mb
    rises = peak_rises(cells)
    return {
        "seconds": time.perf_counter() - t0,
        "peak_mb": peak,
        "error": error,
        "peak_cell": f"cell {rises[0][1].index}: {rises[0][1].first_line}" if rises else "",
        "profile": os.environ.get("MLBOOK_PROFILE", ""),
    }


def free_port() -> int:
    """Return a free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_default_viewers(root: Path, work: Path, env: dict[str, str]) -> dict:
    """Start JupyterLab in the image and return its document manager's defaultViewers.

    JupyterLab applies ``labconfig/default_setting_overrides.json`` (what ``postBuild``
    writes) to the setting's schema default; the user's own settings come on top.
    """
    port, token = free_port(), "rehearsal"
    lab = subprocess.Popen(
        [
            str(work / "venv" / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # Binder's user is not root
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = (
        f"http://127.0.0.1:{port}/lab/api/settings/"
        f"@jupyterlab/docmanager-extension:plugin?token={token}"
    )
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    answer = json.load(response)
                # the default (with the overrides postBuild installed) under the user's own
                default = answer["schema"]["properties"]["defaultViewers"].get("default", {})
                return {**default, **answer.get("settings", {}).get("defaultViewers", {})}
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("JupyterLab did not answer within a minute")
    finally:
        lab.terminate()
        lab.wait(timeout=30)


def rehearse_page(root: Path, work: Path, env: dict[str, str], page: Path) -> dict:
    """Run *page* in the image under ``start``, as a new session's first chapter."""
    forget_datasets(Path(env["HOME"]))
    python = str(work / "venv" / "bin" / "python")
    cmd = ["bash", str(root / "start"), python, "-m", "booktools.binder", "--execute", str(page)]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"seconds": 0, "peak_mb": 0, "error": last, "peak_cell": "", "profile": ""}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def status(result: dict) -> str:
    """``"ok"``, or what is wrong with one page's rehearsal."""
    profile = result["profile"]
    if result["error"]:
        return f"error: {result['error'][:80]}"
    if profile != "quick":
        return f"ran in the {profile!r} profile: Binder's `start` gives 'quick'"
    if result["peak_mb"] > LIMIT_MB:
        return f"over {LIMIT_MB} MB (most in {result['peak_cell']})"
    return "ok"


def write_result(root: Path, rows: list[dict]) -> Path:
    """Write the table (and how it was measured) to :data:`RESULT`."""
    import psutil

    meta = {
        "date": dt.date.today().isoformat(),
        "machine": f"{os.cpu_count()} CPU cores ({platform.machine()}), "
        f"{psutil.virtual_memory().total / 2**30:.0f} GB",
        "limit_mb": LIMIT_MB,
        "binder_mb": BINDER_MB,
    }
    path = root / RESULT
    path.write_text(json.dumps({"measured": meta, "pages": rows}, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Rehearse the Binder launch; print a table; exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--python", default="python3.11", help="the runtime.txt Python")
    parser.add_argument(
        "pages", nargs="*", type=Path, help="only these chapters (the table is not written)"
    )
    parser.add_argument("--execute", type=Path, help=argparse.SUPPRESS)  # inside the image
    args = parser.parse_args(argv)
    if args.execute:  # one page, in the image's Python, under `start`
        print(json.dumps(execute(args.execute)))
        return 0
    root = find_root(args.root)
    work = root / "_build" / "binder"
    print("Building the image (venv, requirements, Jupyter, postBuild) ...", flush=True)
    env = build_image(root, work, args.python)
    pages = [p.resolve() for p in args.pages] or executed_pages(root)
    problems, rows = [], []
    print("\n| chapter (a new session's first, quick via start) | seconds | peak MB | status |")
    print("|---|---:|---:|---|")
    for page in pages:
        result = rehearse_page(root, work, env, page)
        name = page.relative_to(root).as_posix()
        rows.append(
            {
                "page": name,
                "seconds": round(result["seconds"], 1),
                "peak_mb": round(result["peak_mb"]),
            }
        )
        state = status(result)
        if state != "ok":
            problems.append(f"{name}: {state}")
        print(
            f"| {name} | {result['seconds']:.0f} | {result['peak_mb']:.0f} | {state} |", flush=True
        )
    viewers = lab_default_viewers(root, work, env)
    print(f"\nJupyterLab's defaultViewers: {viewers}")
    for kind in ("markdown", "myst"):
        if viewers.get(kind) != VIEWER:
            problems.append(
                f"JupyterLab opens {kind} files with {viewers.get(kind)!r}, not {VIEWER}"
            )
    if not args.pages:
        print(f"Table written to {write_result(root, rows).relative_to(root)}")
    print("\n" + ("\n".join(problems) if problems else "Binder rehearsal: all chapters ran."))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
