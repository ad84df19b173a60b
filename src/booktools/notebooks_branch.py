"""Commit the notebook edition to the *notebooks* branch: ``make notebooks-branch``.

    python -m booktools.notebooks_branch [--profile full] [--branch notebooks] [--push origin]

Binder and Colab open a file of the repository at a branch, so the editions the build
wrote (``_build/html/_sources/<page>.ipynb``, :mod:`booktools.sphinx_edition`) are
committed beside the sources: one commit on top of the built ``HEAD`` that adds
``<page>.ipynb`` next to every executed ``<page>.md``. The branch therefore also has
everything Binder builds from (``requirements.txt``, ``runtime.txt``, ``postBuild``,
``start``) at the same commit as the editions' install cells. The publish workflow runs
this after the build and pushes the branch (``--push``, replacing the previous one), as
QuantEcon publishes its lecture notebooks. The working tree, the index and ``HEAD`` are
not touched (git plumbing with a separate index).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from booktools.build import html_dir
from booktools.toc import executed_pages, find_root

BRANCH = "notebooks"


class EditionMissing(FileNotFoundError):
    """The built site lacks the notebook edition of an executed page."""


def git(root: Path, *args: str, env: dict | None = None) -> str:
    """Run git in *root*; its output, stripped (raises with git's message on failure)."""
    proc = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def edition_paths(root: Path) -> list[str]:
    """Return where each executed page's edition sits in the repository (``<page>.ipynb``)."""
    return [p.relative_to(root).with_suffix(".ipynb").as_posix() for p in executed_pages(root)]


def editions(root: Path, site: Path) -> dict[str, Path]:
    """Return ``repository path -> built edition`` for every executed page."""
    found = {}
    for path in edition_paths(root):
        built = site / "_sources" / path
        if not built.is_file():
            raise EditionMissing(
                f"{built} is missing: build the site first (make book), which writes the "
                "notebook edition of every executed page"
            )
        found[path] = built
    return found


def commit_editions(root: Path, site: Path, branch: str = BRANCH) -> str:
    """Commit the editions on top of ``HEAD`` as *branch*; return the new commit."""
    files = editions(root, site)
    head = git(root, "rev-parse", "HEAD")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "mlbook publish"),
            "GIT_AUTHOR_EMAIL": os.environ.get(
                "GIT_AUTHOR_EMAIL", "mlbook@users.noreply.github.com"
            ),
        }
        env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
        env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
        git(root, "read-tree", head, env=env)
        for path, built in sorted(files.items()):
            blob = git(root, "hash-object", "-w", str(built), env=env)
            git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = git(root, "write-tree", env=env)
        message = (
            f"Notebook edition of {head[:12]}: {len(files)} chapters as plain Jupyter notebooks "
            "(what Binder and Colab open)"
        )
        commit = git(root, "commit-tree", tree, "-p", head, "-m", message, env=env)
    git(root, "update-ref", f"refs/heads/{branch}", commit)
    return commit


def main(argv: list[str] | None = None) -> int:
    """Commit the built editions as the notebooks branch (and push it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--profile", default="full", help="the built site to take (full)")
    parser.add_argument("--branch", default=BRANCH)
    parser.add_argument("--push", metavar="REMOTE", help="force-push the branch to REMOTE")
    args = parser.parse_args(argv)
    root = find_root(args.root)
    try:
        commit = commit_editions(root, html_dir(args.profile, root), args.branch)
    except EditionMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.branch} is {commit[:12]}: the notebook edition on top of HEAD")
    if args.push:
        git(root, "push", "--force", args.push, f"refs/heads/{args.branch}")
        print(f"pushed {args.branch} to {args.push}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
