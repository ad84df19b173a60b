"""The run record of a page, and the checks that keep its sentences true.

A chapter calls :func:`start` in its setup cell and :meth:`Page.finish` in its last
cell. ``finish`` glues ``page_profile``, ``page_seconds``, ``page_peak_mb``,
``page_hardware``, ``page_date``, ``page_versions`` and ``page_data`` so the overview
at the top of the page (glue references resolve across the whole page) states how the
page was made, without a number typed by hand.

A sentence that compares, ranks or describes a result of the page's run ("the forest
beats the tree", a caption saying the curve levels off) is guarded by :func:`claim` in
a removed cell right after it: when a run contradicts the sentence, the cell raises
:class:`ClaimError`, quoting the sentence, and the build fails instead of publishing it.
A claim checks a sign; whether a difference means anything is for
:mod:`mlbook.verdict`, whose verdict ("beats", "ties with", ...) the page glues.
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import platform
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from mlbook.profile import Profile, get_profile
from mlbook.repro import DEFAULT_SEED, seed_everything

#: Libraries whose versions a page reports (label -> module), when it imported them.
REPORTED = {
    "TensorFlow": "tensorflow",
    "Keras": "keras",
    "scikit-learn": "sklearn",
    "NumPy": "numpy",
}


@dataclass
class Page:
    """A page being executed (see :func:`start`)."""

    profile: Profile
    seed: int
    data_sources: list[str] = field(default_factory=list)
    #: Problems :func:`mlbook.plotting.figure_problems` found in the figures shown so far.
    figure_problems: list[str] = field(default_factory=list)

    def uses(self, source: str) -> str:
        """Record a data source the page used (shown in the page's run record)."""
        if source not in self.data_sources:
            self.data_sources.append(source)
        return source

    def record(self) -> dict[str, str | float]:
        """Return the run record as plain values (what :meth:`finish` glues)."""
        return {
            "page_profile": self.profile.name,
            "page_seconds": round(elapsed_since_kernel_start(), 1),
            "page_peak_mb": round(peak_memory_mb()),
            "page_hardware": hardware(),
            "page_date": _dt.date.today().isoformat(),
            "page_versions": versions(),
            "page_data": "; ".join(self.data_sources) or "no dataset",
        }

    def finish(self) -> dict[str, str | float]:
        """Glue the run record into the page and return it.

        Raises :class:`FigureError` if a figure the page showed is hard to read (see
        :func:`watch_figures`), so the build fails instead of publishing it.
        """
        from myst_nb import glue

        if self.figure_problems:
            raise FigureError(
                "Figures on this page are hard to read at the size the page shows them:\n- "
                + "\n- ".join(self.figure_problems)
            )
        rec = self.record()
        for key, value in rec.items():
            glue(key, value, display=False)
        return rec


class ClaimError(AssertionError):
    """A sentence of the page that the page's own run contradicts."""


class FigureError(AssertionError):
    """A figure of the page that a reader cannot read at the size the page shows it."""


def watch_figures(page: Page) -> bool:
    """Check every Matplotlib figure the kernel displays (glued or shown) for legibility.

    IPython turns a figure into the PNG the page shows through its ``image/png``
    formatter; this wraps that formatter so each figure is first checked with
    :func:`mlbook.plotting.figure_problems` and its problems are recorded on *page*
    (:meth:`Page.finish` raises on them), and its PNG is then made compact
    (:func:`mlbook.plotting.compact_png`). Returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is installed with the book
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from mlbook.plotting import compact_png, figure_problems

    # Matplotlib picks its backend at the first figure, and the inline backend then
    # registers its own PNG formatter: make that happen now, so ours wraps it.
    plt.close(plt.figure())

    formatter = shell.display_formatter.formatters["image/png"]
    try:
        original = formatter.lookup_by_type(Figure)
    except KeyError:  # no inline backend (e.g. MPLBACKEND=Agg): nothing is displayed
        return False
    original = getattr(original, "__wrapped__", original)

    def checked_png(fig, *args, **kwargs):
        title = fig._suptitle.get_text() if fig._suptitle else ""
        title = title or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
        try:
            problems = figure_problems(fig)
        except Exception as exc:  # IPython would swallow it and show the figure as text
            problems = [f"the legibility check itself failed ({type(exc).__name__}: {exc})"]
        for problem in problems:
            entry = f"figure {title or '(untitled)'!r}: {problem}"
            if entry not in page.figure_problems:
                page.figure_problems.append(entry)
        png = original(fig, *args, **kwargs)
        if isinstance(png, str):  # matplotlib-inline asks IPython for base64 text
            return base64.b64encode(compact_png(base64.b64decode(png))).decode("ascii")
        return compact_png(png) if isinstance(png, bytes) else png

    checked_png.__wrapped__ = original
    formatter.for_type(Figure, checked_png)
    return True


def claim(condition: object, sentence: str) -> None:
    """Check that the run supports *sentence*; raise :class:`ClaimError` if not.

    Put it in a ``remove-cell`` right after the result, with the sentence as it stands
    in the prose (or the caption, or the alt text). A true claim returns ``None`` and
    shows nothing.
    """
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"claim() needs a True/False condition, got {type(condition).__name__}")
    if not condition:
        raise ClaimError(
            f"This run contradicts the sentence: \u201c{sentence}\u201d. Change the "
            "sentence (or glue its verdict) so it holds for every run, or fix the code."
        )


def by_design(condition: object, sentence: str) -> None:
    """Check a sentence that is true by the page's design, not by its run's results.

    "The notes train for longer than this page", "five rows of five digits": sentences
    about the page's settings, the notes' settings or the library's constants. No run can
    make them false, so they are not evidence (a :func:`claim` on such a condition is
    reported by ``python -m booktools.evidence``); but an edit of the settings can, and
    then this raises :class:`ClaimError` quoting the sentence.
    """
    try:
        claim(condition, sentence)
    except ClaimError as exc:
        raise ClaimError(
            str(exc).replace("This run contradicts", "The page's settings contradict")
        ) from None


def start(seed: int = DEFAULT_SEED, *, tensorflow: bool = True) -> Page:
    """Begin a page: read the profile, seed everything, set and check the figure style.

    Every figure the page shows is checked for legibility (:func:`watch_figures`);
    ``MLBOOK_FIGURE_CHECK=0`` turns that off, e.g. while experimenting in Binder.
    """
    from mlbook.plotting import use_book_style

    profile = get_profile()
    seed_everything(seed, tensorflow=tensorflow)
    use_book_style()
    page = Page(profile=profile, seed=seed)
    if os.environ.get("MLBOOK_FIGURE_CHECK", "1") != "0":  # 0 turns it off (experiments)
        watch_figures(page)
    return page


def elapsed_since_kernel_start() -> float:
    """Seconds since this process (the page's kernel) started: imports included."""
    import psutil

    return time.time() - psutil.Process(os.getpid()).create_time()


def peak_memory_mb() -> float:
    """Peak resident memory of this process (the page's kernel) so far, in MiB.

    The operating system's high-water mark, so no short peak is missed: Linux's
    ``VmHWM``, which counts this program only. (``ru_maxrss`` also counts the process
    that started the kernel, recorded when the kernel's program replaced it, and a
    child's counts the kernel's memory it was forked with: a build's kernels read up to
    twice their real peak with it.) What the page's own short-lived processes take
    (Graphviz, ``pip download``) is not included; ``make binder-check`` measures the
    kernel with them. This is what a memory limit such as Binder's (about 2 GB per
    session) is compared with; the execution report lists it for every page.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    try:  # macOS (bytes), other Unix (KiB)
        import resource

        unit = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 2**20
    except ImportError:  # Windows: the working set's peak
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20


def hardware() -> str:
    """Describe the machine in one line, e.g. ``"2 CPU cores (x86_64), no GPU"``."""
    gpus = 0
    if "tensorflow" in sys.modules:
        gpus = len(sys.modules["tensorflow"].config.list_physical_devices("GPU"))
    cores = os.cpu_count() or 1
    return f"{cores} CPU cores ({platform.machine()}), " + (f"{gpus} GPU" if gpus else "no GPU")


def versions() -> str:
    """Versions of the libraries the page imported, e.g. ``"Python 3.11.7, NumPy 2.4.6"``."""
    parts = [f"Python {platform.python_version()}"]
    for label, module in REPORTED.items():
        if module in sys.modules:
            parts.append(f"{label} {sys.modules[module].__version__}")
    return ", ".join(parts)
