"""The notes' video loop, for real: a video file, read frame by frame, detected and tracked.

Chapter *Object Detection and Tracking*. :func:`write_video` writes the book's synthetic
scene (:func:`mlbook.object_detection.make_video`) to an actual video file with
``cv2.VideoWriter``; :func:`track_video` reads it back with ``cv2.VideoCapture`` in the
notes' loop, runs the detector on every frame (:func:`detect_frame`), links the boxes
into tracks and draws boxes and IDs with OpenCV (:func:`draw_tracks`); :func:`to_gif`
turns the annotated frames into an animated GIF that the built page shows as an image.

OpenCV frames are ``uint8`` arrays in **BGR** order; the book's frames are grey floats in
[0, 1]. Boxes are ``[ymin, xmin, ymax, xmax]`` in pixels of the original frame.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Lossless codec for the scene written to disk: the frames read back are the frames
#: written (rounded to 8 bits), so the detector sees what it saw on the page.
LOSSLESS = ("FFV1", ".avi")
#: The animated GIF keeps this many grey levels (plus the track colours) ...
GIF_GREYS = 6
#: ... and at most this many frames: the noisy background compresses badly.
GIF_MAX_FRAMES = 30
#: The GIF moves for at most this many seconds in all, then stops on its last frame: a
#: GIF has no pause button, and WCAG 2.2.2 (Pause, Stop, Hide) asks that moving content
#: that starts by itself and lasts longer than five seconds can be paused.
GIF_MAX_SECONDS = 5.0


def to_bgr(frame: np.ndarray) -> np.ndarray:
    """Return a grey float frame in [0, 1] ``(h, w)`` as OpenCV's BGR ``uint8`` ``(h, w, 3)``."""
    grey = np.clip(np.round(np.asarray(frame, float) * 255), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


@contextmanager
def _quiet_stderr():
    """Silence messages written straight to the process's stderr (file descriptor 2).

    OpenCV's bundled FFmpeg prints, for a VP8 WebM file, that the ``VP80`` tag "is not
    supported" with WebM, and then writes a correct VP8 track anyway; in a notebook
    that message would land in the cell's output. Failures are still reported:
    :func:`write_video` raises when the writer does not open.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


def write_video(path, frames: np.ndarray, *, fps: float = 10, fourcc: str = LOSSLESS[0]) -> Path:
    """Write grey float frames ``(n, h, w)`` (or BGR ``uint8`` ``(n, h, w, 3)``) to *path*.

    *fourcc* names the codec (``"FFV1"`` lossless in ``.avi``, ``"VP80"`` lossy VP8 in
    ``.webm``, ``"MJPG"`` in ``.avi``). Raises ``RuntimeError`` if OpenCV cannot open a
    writer for that codec and container.
    """
    import cv2

    path = Path(path)
    frames = np.asarray(frames)
    height, width = frames.shape[1:3]
    with _quiet_stderr():  # FFmpeg warns about the tag of a WebM file it writes fine
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {fourcc} video to {path}")
    for frame in frames:
        writer.write(frame if frame.ndim == 3 else to_bgr(frame))
    writer.release()
    return path


def can_write(fourcc: str, suffix: str) -> bool:
    """Whether this OpenCV writes *fourcc* video into a *suffix* file (two tiny frames tried).

    The pip wheels' FFmpeg decides which encoders exist, so a page that says which
    formats it can or cannot produce asks the installed library.
    """
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = write_video(Path(tmp) / f"probe{suffix}", np.zeros((2, 16, 16)), fourcc=fourcc)
        except RuntimeError:
            return False
        return path.stat().st_size > 0


def open_video(path):
    """Open *path* with ``cv2.VideoCapture``; raise a clear error if that is impossible.

    ``cv2.VideoCapture`` itself does not raise on a missing or broken file: it returns a
    capture whose ``isOpened()`` is False, and a loop over it reads nothing.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No video file at {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(
            f"OpenCV cannot read {path} as a video: the file is not a video, or it "
            "uses a codec this OpenCV build cannot decode"
        )
    return cap


def read_video(path) -> np.ndarray:
    """Read every frame of *path*: ``(n, h, w, 3)`` BGR ``uint8``."""
    cap = open_video(path)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return np.array(frames)


def track_colour(track_id: int) -> tuple[int, int, int]:
    """Return the BGR colour of a track: matplotlib's ``tab10``, as the page's figures use."""
    import matplotlib as mpl

    r, g, b = (np.array(mpl.colormaps["tab10"](track_id % 10)[:3]) * 255).round().astype(int)
    return int(b), int(g), int(r)


def draw_tracks(frame: np.ndarray, tracks, *, scale: int = 4) -> np.ndarray:
    """Enlarge a BGR frame *scale* times and draw each ``(track_id, box)`` with OpenCV.

    Each box is outlined in its track's colour, with the ID in white on a tab of that
    colour above its top-left corner, or, where that tab would cover an earlier one or
    leave the frame, below its bottom-left corner or at its right-hand corners. Returns
    a new BGR ``uint8`` frame.
    """
    import cv2

    big = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    font = cv2.FONT_HERSHEY_SIMPLEX
    tabs = []  # (left, top, right, bottom) of the tabs drawn so far
    for tid, box in tracks:
        y0, x0, y1, x1 = np.round(np.asarray(box) * scale).astype(int)
        colour = track_colour(tid)
        cv2.rectangle(big, (x0, y0), (x1, y1), colour, 2)
        (w, h), _ = cv2.getTextSize(str(tid), font, 0.5, 1)
        corners = [(x0 - 1, y0 - h - 6), (x0 - 1, y1 + 1), (x1 - w - 5, y0 - h - 6)]
        corners.append((x1 - w - 5, y1 + 1))
        for left, top in corners:
            tab = (left, top, left + w + 6, top + h + 6)
            inside = tab[0] >= 0 and tab[1] >= 0
            inside = inside and tab[2] <= big.shape[1] and tab[3] <= big.shape[0]
            free = all(
                tab[0] >= o[2] or o[0] >= tab[2] or tab[1] >= o[3] or o[1] >= tab[3] for o in tabs
            )
            if inside and free:
                break
        else:  # nowhere free: above the top-left corner, inside the frame
            left, top = max(x0 - 1, 0), max(y0 - h - 6, 0)
        tabs.append((left, top, left + w + 6, top + h + 6))
        cv2.rectangle(big, (left, top), (left + w + 6, top + h + 6), colour, -1)
        cv2.putText(big, str(tid), (left + 3, top + h + 3), font, 0.5, (255, 255, 255), 1)
    return big


def detect_frame(model, frame: np.ndarray):
    """Run the page's grid detector on one BGR frame; return boxes, scores and classes.

    The frame is converted to the grey floats in [0, 1] the detector was trained on and
    given a batch axis and a channel axis; ``predict_on_batch`` runs that batch of one
    through Keras' compiled prediction function (calling ``model(batch)`` gives the same
    numbers, but runs eagerly, much slower in a loop over frames). The output is decoded
    and cleaned with NMS as :func:`mlbook.object_detection.detect` does.
    """
    import cv2

    from mlbook import object_detection as od

    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype("float32") / 255
    pred = np.asarray(model.predict_on_batch(grey[None, ..., None]))[0]
    boxes, scores, classes = od.decode(pred)
    keep = od.non_max_suppression(boxes, scores)
    return boxes[keep], scores[keep], classes[keep]


def track_video(path, model, tracker, *, scale: int = 4):
    """Run the notes' loop: read *path* frame by frame, detect, track, draw the boxes.

    Returns the annotated BGR frames (enlarged *scale* times) and the tracker's output
    ``[(track_id, box), ...]`` for every frame.
    """
    cap = open_video(path)  # a clear error for a missing or unreadable file
    annotated, tracks = [], []
    while cap.isOpened():
        ok, frame = cap.read()  # frame: (h, w, 3) uint8, BGR
        if not ok:  # the end of the file: frame is None
            break
        boxes, _, _ = detect_frame(model, frame)
        out = tracker.update(boxes)
        tracks.append(out)
        annotated.append(draw_tracks(frame, out, scale=scale))  # not cv2.imshow
    cap.release()
    return annotated, tracks


def gif_palette(grey_levels: int = GIF_GREYS) -> list[int]:
    """Return a GIF palette: *grey_levels* greys from black to white, then ``tab10``."""
    import matplotlib as mpl

    palette = []
    for level in np.linspace(0, 255, grey_levels).round().astype(int):
        palette += [int(level)] * 3
    for i in range(10):
        rgb = (np.array(mpl.colormaps["tab10"](i)[:3]) * 255).round().astype(int)
        palette += rgb.tolist()
    return palette + [0] * (768 - len(palette))


def to_gif(
    frames: list[np.ndarray],
    *,
    fps: float = 10,
    grey_levels: int = GIF_GREYS,
    max_frames: int = GIF_MAX_FRAMES,
    max_seconds: float = GIF_MAX_SECONDS,
) -> tuple[bytes, int]:
    """Encode BGR frames as an animated GIF; return its bytes and the frames shown.

    At most *max_frames* frames are kept (every second one, or third, ... with a longer
    delay each, so the GIF plays at the video's speed); colours are mapped, without
    dithering, to a fixed palette of *grey_levels* greys and the track colours, which
    keeps the boxes exact and the file small.

    The GIF does not loop forever: it plays as many whole times as fit in *max_seconds*
    (at least once) and then stops on its last frame; reloading the page replays it. If
    one play at the video's speed would last longer than *max_seconds*, it plays once,
    faster. Browsers read the GIF's loop count as the number of *repeats*: a GIF
    without one plays once, Pillow's ``loop=n`` plays n + 1 times and ``loop=0``
    forever (:func:`gif_timing` reads it back).
    """
    import io

    from PIL import Image

    step = max(1, int(np.ceil(len(frames) / max_frames)))
    palette = Image.new("P", (1, 1))
    palette.putpalette(gif_palette(grey_levels))
    images = [
        Image.fromarray(np.ascontiguousarray(frame[..., ::-1])).quantize(
            palette=palette, dither=Image.Dither.NONE
        )
        for frame in frames[::step]
    ]
    # a GIF counts delays in hundredths of a second; browsers slow down delays below 2
    budget = round(100 * max_seconds)
    delay = max(2, min(round(100 * step / fps), budget // len(images)))
    plays = max(1, budget // (delay * len(images)))
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=10 * delay,
        loop=plays - 1 if plays > 1 else None,  # None: no loop block, one play
    )
    return buffer.getvalue(), len(images)


def gif_timing(data: bytes) -> tuple[float, int | None]:
    """Return how long one play of the GIF *data* lasts (s) and how often browsers play it.

    The count is None for a GIF that loops forever (loop count 0), 1 for a GIF without
    a loop count, and n + 1 for a loop count n (browsers repeat it n times).
    """
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as gif:
        loop = gif.info.get("loop")
        milliseconds = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            milliseconds += gif.info.get("duration", 0)
    plays = 1 if loop is None else None if loop == 0 else loop + 1
    return milliseconds / 1000, plays
