"""The notebooks branch: the built editions committed on top of HEAD, nothing else touched."""

from __future__ import annotations

import subprocess

import pytest

from booktools import notebooks_branch as nbb


def git(root, *args):
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def book(tmp_path, myst_page):
    root = tmp_path / "book"
    (root / "book" / "part").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Toy\n")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/part/01-page\n"
    )
    (root / "book" / "intro.md").write_text("# Intro\n")
    myst_page(root / "book" / "part" / "01-page.md", "print(1)")
    (root / "requirements.txt").write_text("numpy==2.0.0\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return root


def test_the_branch_adds_each_edition_beside_its_page(book, tmp_path):
    site = tmp_path / "site"
    (site / "_sources" / "book" / "part").mkdir(parents=True)
    (site / "_sources" / "book" / "part" / "01-page.ipynb").write_text('{"cells": []}\n')
    head = git(book, "rev-parse", "HEAD")
    commit = nbb.commit_editions(book, site)
    assert git(book, "rev-parse", "notebooks") == commit
    assert git(book, "rev-parse", f"{commit}^") == head  # one commit on top of HEAD
    files = git(book, "ls-tree", "-r", "--name-only", "notebooks").split("\n")
    assert "book/part/01-page.ipynb" in files
    assert "book/part/01-page.md" in files  # the sources (and Binder's files) stay
    assert "requirements.txt" in files
    assert git(book, "show", "notebooks:book/part/01-page.ipynb") == '{"cells": []}'
    assert git(book, "rev-parse", "HEAD") == head
    assert git(book, "status", "--porcelain") == ""  # work tree and index untouched


def test_a_missing_edition_says_to_build_first(book, tmp_path):
    with pytest.raises(nbb.EditionMissing, match="build the site first"):
        nbb.commit_editions(book, tmp_path / "empty-site")
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "notebooks"], cwd=book).returncode
