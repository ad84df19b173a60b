"""Node.js programs of the build: MathJax (the math) and PurgeCSS (the stylesheet).

Both are pinned in ``package.json`` / ``package-lock.json`` and installed with ``npm ci``
(``make book`` does); their scripts live beside this module, so Node finds the packages in
the book's ``node_modules``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: What each build-time script needs from npm (a path ``require.resolve`` can find).
PACKAGES = {"mathjax-full": "mathjax-full/js/mathjax.js", "purgecss": "purgecss"}

HOW_TO_INSTALL = (
    "The build typesets the math (MathJax) and trims the stylesheet (PurgeCSS) in Node.js. "
    "Install Node.js 18 or newer (sudo apt-get install nodejs npm), then run `npm ci` in "
    "the book's folder, which installs the versions pinned in package-lock.json "
    "(make book does)."
)


def node_program() -> str | None:
    """Return the ``node`` executable, or None."""
    return shutil.which("node")


def missing_node() -> str | None:
    """Say what to install if Node.js or a package of :data:`PACKAGES` is missing; else None."""
    node = node_program()
    if node is None:
        return f"`node` is not installed. {HOW_TO_INSTALL}"
    for name, path in PACKAGES.items():
        probe = subprocess.run(
            [node, "-e", f"require.resolve({path!r})"],
            cwd=HERE,  # resolved as the scripts resolve it: node_modules above src/
            capture_output=True,
        )
        if probe.returncode != 0:
            return f"The Node.js package {name} is not installed. {HOW_TO_INSTALL}"
    return None
