"""Explorable figures: a slider over frames the build computed, that runs with no kernel.

A chapter computes one figure (and one line of numbers) per position of a setting, for
instance per ``max_depth`` of a tree, and :func:`frames_player` puts them behind a
slider. The slider, the figure and the line of numbers are linked with ``jslink``, which
runs in the browser: the published page responds with no kernel behind it, as in a
Jupyter kernel. On the site (``booktools.sphinx_site``):

* the frames load after the text, when the player nears the screen, and the first frame
  holds the player's place until then (readers without JavaScript see it);
* the line of numbers is an ``aria-live`` region: a screen reader says each position's
  numbers as the reader moves the slider (``mlbook/frames.js``);
* the position is in the page's address (``#<name>=<label>``), so it can be shared.

Usage::

    frames = [draw(depth) for depth in depths]           # matplotlib figures, same size
    labels = [str(depth) for depth in depths]             # the slider's readout
    said = [f"depth {d}: train {typeset.percent(a)}" ...]  # one line of numbers each
    frames_player(frames, labels, said, name="depth", description="max_depth")
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence

#: Resolution of the frames: one figure pixel per CSS pixel at the page's column width,
#: so a 10-point font is drawn about 11 pixels high.
FRAME_DPI = 80

#: CSS class of every player's outer box; ``mlbook-frames-name-<name>`` names one player.
PLAYER_CLASS = "mlbook-frames"

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def frame_png(frame, dpi: int = FRAME_DPI) -> bytes:
    """Return a frame as PNG bytes: a matplotlib figure is drawn (and closed), bytes kept.

    The figure is saved at its own size (no tight bounding box), so frames drawn with the
    same ``figsize`` have the same pixel size whatever their tick labels.
    """
    if isinstance(frame, bytes | bytearray):
        return bytes(frame)
    import matplotlib.pyplot as plt

    from mlbook.plotting import compact_png

    buf = io.BytesIO()
    frame.savefig(buf, format="png", dpi=dpi)
    plt.close(frame)
    return compact_png(buf.getvalue())


def png_size(png: bytes) -> tuple[int, int]:
    """Return a PNG's ``(width, height)`` in pixels, read from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("a frame is not a PNG image: give matplotlib figures or PNG bytes")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def check_frames(pngs: Sequence[bytes], labels: Sequence[str], said: Sequence[str]) -> None:
    """Raise ``ValueError`` saying what to fix if the frames cannot make a player.

    There must be at least one frame, one label and one line of numbers per frame,
    distinct labels (the page's address names a position by its label), and frames of
    one pixel size (the figure must not jump as the reader moves the slider).
    """
    if not pngs:
        raise ValueError("frames_player needs at least one frame; it was given none")
    for what, items in (("labels", labels), ("lines of numbers (said)", said)):
        if len(items) != len(pngs):
            raise ValueError(
                f"frames_player was given {len(pngs)} frames but {len(items)} {what}: "
                "give one per frame, in the same order"
            )
    repeated = sorted({label for label in labels if list(labels).count(label) > 1})
    if repeated:
        raise ValueError(f"frames_player's labels must differ; repeated: {repeated}")
    sizes = [png_size(png) for png in pngs]
    for k, size in enumerate(sizes[1:], start=2):
        if size != sizes[0]:
            raise ValueError(
                f"frame {k} is {size[0]} x {size[1]} px but frame 1 is "
                f"{sizes[0][0]} x {sizes[0][1]} px: draw every frame with the same figsize "
                "(and no bbox_inches='tight'), so the figure does not jump"
            )


def data_uri(png: bytes) -> str:
    """Return PNG bytes as a ``data:`` URI (a widget's HTML carries its images inline)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image_html(png: bytes, alt: str) -> str:
    """Return an ``<img>`` of a PNG with alt text, at its own size, shrinking to fit.

    One image pixel per CSS pixel keeps the fonts at the size the figure's dpi gave them;
    the width and height let the page hold its space.
    """
    width, height = png_size(png)
    return (
        f'<img src="{data_uri(png)}" alt="{html.escape(alt)}" width="{width}" '
        f'height="{height}" style="max-width: 100%; height: auto">'
    )


def frames_player(
    frames: Sequence,
    labels: Sequence[str],
    said: Sequence[str],
    *,
    name: str,
    description: str,
    alts: Sequence[str] | None = None,
    start: int = 0,
):
    """Build a slider over precomputed frames, linked in the browser (no kernel needed).

    Parameters
    ----------
    frames : sequence of matplotlib figures or PNG bytes
        One per position, all of one size (figures are drawn by :func:`frame_png` and
        closed).
    labels : sequence of str
        The slider's readout at each position (``"5"``); distinct.
    said : sequence of str
        Each position's numbers in a sentence (``"depth 5: train 98 %, test 81 %"``),
        shown under the slider and announced to screen readers.
    name : str
        The player's name in the page's address (``#depth=5``): lower-case letters,
        digits and hyphens, unique on its page.
    description : str
        The slider's label (``"max_depth"``).
    alts : sequence of str, optional
        Alt text of each frame; by default the frame's line of numbers.
    start : int
        The position shown first (0-based).

    Returns
    -------
    ipywidgets.VBox
        Slider, line of numbers and figure; its classes ``mlbook-frames`` and
        ``mlbook-frames-name-<name>`` let the page's scripts find it.

    Raises
    ------
    ValueError
        No frames; labels, lines or alt texts that do not match the frames one for one;
        repeated labels; frames of different sizes; a name that cannot be an address.
    """
    import ipywidgets as w

    if not _NAME.match(name):
        raise ValueError(
            f"frames_player's name {name!r} goes in the page's address: use lower-case "
            "letters, digits and hyphens, starting with a letter (e.g. 'tree-depth')"
        )
    pngs = [frame_png(frame) for frame in frames]
    labels, said = [str(label) for label in labels], [str(s) for s in said]
    check_frames(pngs, labels, said)
    alts = list(said if alts is None else alts)
    if len(alts) != len(pngs):
        raise ValueError(
            f"frames_player was given {len(pngs)} frames but {len(alts)} alt texts: "
            "give one per frame, in the same order"
        )
    if not 0 <= start < len(pngs):
        raise ValueError(f"start={start} is not a position: 0 to {len(pngs) - 1}")
    slider = w.SelectionSlider(
        options=[(label, k) for k, label in enumerate(labels)],
        index=start,
        description=description,
        continuous_update=True,
        readout=True,
        style={"description_width": "initial"},
        layout=w.Layout(width="min(100%, 32rem)"),
    ).add_class(f"{PLAYER_CLASS}-control")
    summary = w.Stack(
        [w.HTML(f"<p>{html.escape(line)}</p>") for line in said], selected_index=start
    ).add_class(f"{PLAYER_CLASS}-said")
    figure = w.Stack(
        [w.HTML(image_html(png, alt)) for png, alt in zip(pngs, alts, strict=True)],
        selected_index=start,
    ).add_class(f"{PLAYER_CLASS}-figure")
    w.jslink((slider, "index"), (summary, "selected_index"))
    w.jslink((slider, "index"), (figure, "selected_index"))
    player = w.VBox([slider, summary, figure])
    player.add_class(PLAYER_CLASS)
    player.add_class(f"{PLAYER_CLASS}-name-{name}")
    return player
