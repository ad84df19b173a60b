"""The GitHub workflows: valid, and doing what the repository's own files say (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from booktools import publish_check
from booktools.build import html_dir

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.M))


def make_calls(steps: list[dict]) -> list[str]:
    return [m for s in steps if "run" in s for m in re.findall(r"\bmake ([\w-]+)", s["run"])]


def test_the_workflows_parse_and_use_pinned_major_versions_of_actions():
    for path in WORKFLOWS.glob("*.yml"):
        data = load(path.name)
        assert data["jobs"], path
        for job in data["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_every_make_target_a_workflow_calls_exists():
    targets = make_targets()
    for path in WORKFLOWS.glob("*.yml"):
        for job in load(path.name)["jobs"].values():
            for target in make_calls(job.get("steps", [])):
                assert target in targets, f"{path.name} calls `make {target}`"


def test_publish_runs_the_checks_first_then_builds_checks_and_deploys_the_full_site():
    data = load("publish.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert data["permissions"]["pages"] == "write"
    assert data["permissions"]["id-token"] == "write"
    jobs = data["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    assert jobs["build"]["needs"] == "checks"
    assert jobs["deploy"]["needs"] == "build"
    steps = jobs["build"]["steps"]
    assert make_calls(steps) == ["book", "check-site", "notebooks-branch"]
    assert jobs["build"]["permissions"]["contents"] == "write"  # pushes the notebooks branch
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    runtime = (ROOT / "runtime.txt").read_text().strip()  # Binder's python-3.11
    assert runtime.endswith(python["with"]["python-version"])
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == html_dir("full", ROOT).relative_to(ROOT).as_posix()
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert "_build/.jupyter_cache" in cache["with"]["path"]


def test_publish_installs_the_system_programs_the_full_build_requires():
    from booktools.build import SYSTEM_REQUIREMENTS

    steps = load("publish.yml")["jobs"]["build"]["steps"]
    installed = [p for s in steps if "run" in s for p in publish_check.apt_packages(s["run"])]
    assert "graphviz" in installed
    assert "dot" in SYSTEM_REQUIREMENTS
    # Chromium (the book's PDF): the hosted runner ships Google Chrome, which
    # booktools.pdf.find_chromium accepts; the workflow says so where it builds.
    build_step = next(s for s in steps if "make book" in s.get("run", ""))
    assert "Chrome" in build_step["name"]


def test_checks_lint_and_run_the_unit_tests():
    steps = load("checks.yml")["jobs"]["lint-and-unit"]["steps"]
    assert make_calls(steps) == ["lint", "unit"]


def test_the_dry_run_reads_the_workflows_build_steps():
    steps = publish_check.shell_steps(WORKFLOWS / "publish.yml")
    commands = [c for _, c in steps]
    assert any("apt-get install" in c for c in commands)
    assert commands[-3:] == [
        "make book PYTHON=python",
        "make check-site PYTHON=python",
        "make notebooks-branch PUSH=origin PYTHON=python",
    ]
    assert publish_check.apt_packages(
        "sudo apt-get update -qq && sudo apt-get install -y -qq graphviz chromium"
    ) == ["graphviz", "chromium"]
