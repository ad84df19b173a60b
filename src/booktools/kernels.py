"""The environment of the kernels that execute the book's pages (build and run_chapter)."""

from __future__ import annotations

import os
from pathlib import Path

from mlbook.profile import ENV_VAR

#: Kernel configuration for the build: ipykernel warns at every start that its
#: loopback TCP transport is unencrypted (once per page, in the build log); the build's
#: kernels log errors only. Pages and their errors are unaffected.
KERNEL_CONFIG = """# Written by booktools.build: configuration of the kernels that execute the book.
c.IPKernelApp.log_level = "ERROR"
"""


def kernel_env(root: Path, profile: str) -> dict[str, str]:
    """Return the environment for executing *root*'s pages in *profile*.

    The kernels import ``mlbook`` from *root*'s ``src/`` first, whatever checkout the
    environment was installed from, and log errors only (see ``KERNEL_CONFIG``). They
    always draw with the inline backend: with an inherited ``MPLBACKEND=Agg`` (the test
    suite sets it for its own process) IPython has no picture of a figure, and every
    glued figure became its text ``<Figure size ...>``.
    """
    ipython_dir = root / "_build" / "ipython"
    config = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.exists() or config.read_text() != KERNEL_CONFIG:
        config.write_text(KERNEL_CONFIG)
    path = [str(root / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **os.environ,
        ENV_VAR: profile,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", ""),
        "PYTHONPATH": os.pathsep.join(path),
        "IPYTHONDIR": str(ipython_dir),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
