"""A dry run of the publish workflow on this machine: ``make publish-check``.

    python -m booktools.publish_check [--keep] [--reuse-venv]

Reads ``.github/workflows/publish.yml`` and runs its ``build`` job's shell steps, in order,
in a fresh clone of the committed ``HEAD`` (what the workflow checks out), with
:mod:`booktools.mirror` standing in for the internet: every download goes to a local
server (``MLBOOK_DATA_MIRROR``) that serves stand-in files in the real formats, and the
caches start empty (``KERAS_HOME``, ``MLBOOK_DATA_HOME``), as on a new runner. The
online code paths (CIFAR-10's archive, InceptionV3's weights, the zoo's SSD) therefore
run exactly as they will when the site is published; their *results* are stand-ins.
System packages the workflow installs with ``apt-get`` are checked, not installed.
It fails where the workflow would; the built site stays in the clone with ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from booktools.toc import find_root

WORKFLOW = Path(".github/workflows/publish.yml")


def build_steps(workflow: Path) -> list[dict]:
    """Return the ``build`` job's steps of the publish workflow, in order."""
    data = yaml.safe_load(workflow.read_text())
    return data["jobs"]["build"]["steps"]


def shell_steps(workflow: Path) -> list[tuple[str, str]]:
    """``(name, command)`` of every ``run:`` step of the build job."""
    return [(s.get("name", s["run"]), s["run"]) for s in build_steps(workflow) if "run" in s]


def apt_packages(command: str) -> list[str]:
    """Return the packages an ``apt-get install`` command line installs (else ``[]``)."""
    packages: list[str] = []
    for part in command.split("&&"):
        words = shlex.split(part)
        if "apt-get" in words and "install" in words:
            after = words[words.index("install") + 1 :]
            packages += [w for w in after if not w.startswith("-")]
    return packages


def missing_packages(packages: list[str]) -> list[str]:
    """Return the packages of *packages* that dpkg does not list as installed."""
    missing = []
    for package in packages:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
        if "install ok installed" not in proc.stdout:
            missing.append(package)
    return missing


def missing_editions(clone: Path, remote: Path) -> list[str]:
    """Return the executed pages whose edition the pushed notebooks branch lacks."""
    from booktools.notebooks_branch import BRANCH, edition_paths

    proc = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", BRANCH],
        cwd=remote,
        capture_output=True,
        text=True,
    )
    files = set(proc.stdout.split()) if proc.returncode == 0 else set()
    return [path for path in edition_paths(clone) if path not in files]


def main(argv: list[str] | None = None) -> int:
    """Clone HEAD, serve the mirror, run the workflow's build steps; 0 when all pass."""
    from booktools.mirror import Mirror, write_all

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the clone and its site")
    parser.add_argument(
        "--reuse-venv",
        action="store_true",
        help="use this checkout's .venv instead of installing a new one (faster)",
    )
    args = parser.parse_args(argv)
    root = find_root(args.root)
    work = Path(tempfile.mkdtemp(prefix="publish-check-"))
    clone = work / "book"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    # The workflow pushes the notebooks branch to origin: here, a bare copy stands in for it.
    remote = work / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(root), str(remote)], check=True)
    subprocess.run(["git", "remote", "set-url", "origin", str(remote)], cwd=clone, check=True)
    print(f"== a fresh clone of HEAD in {clone} (origin: {remote})", flush=True)
    hashes = write_all(work / "mirror")
    (work / "hashes.json").write_text(json.dumps(hashes))
    mirror = Mirror(work / "mirror")
    env = {
        **os.environ,
        "MLBOOK_DATA_MIRROR": mirror.url,
        "MLBOOK_DATA_HASHES": str(work / "hashes.json"),
        "KERAS_HOME": str(work / "keras"),
        "MLBOOK_DATA_HOME": str(work / "mlbook-cache"),
        "MLBOOK_OFFLINE": "0",
    }
    env.pop("MLBOOK_PROFILE", None)
    print(f"== the internet is {mirror.url} ({len(hashes)} stand-in files)", flush=True)
    status = 0
    try:
        for name, command in shell_steps(clone / WORKFLOW):
            packages = apt_packages(command)
            if packages:
                missing = missing_packages(packages)
                print(f"== {name}: {'missing ' + ' '.join(missing) if missing else 'installed'}")
                if missing:
                    status = 1
                    break
                continue
            if args.reuse_venv:
                command = command.replace("make ", f"make VENV={root / '.venv'} ", 1)
            print(f"== {name}: {command}", flush=True)
            proc = subprocess.run(command, shell=True, cwd=clone, env=env)
            if proc.returncode != 0:
                print(f"== FAILED: {name}", file=sys.stderr)
                status = proc.returncode
                break
        if status == 0:
            missing = missing_editions(clone, remote)
            if missing:
                print(f"== FAILED: the pushed notebooks branch lacks {missing}", file=sys.stderr)
                status = 1
        if status == 0:
            downloads = sorted(set(mirror.requests))
            print(f"== publish dry run passed; downloads served: {downloads}")
    finally:
        mirror.stop()
        if args.keep:
            print(f"== kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
