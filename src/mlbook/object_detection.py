"""Chapter *Object Detection and Tracking*: a detector and a tracker that run anywhere.

Two paths. The **real** one loads a pretrained SSD detector as TensorFlow distributes it
(a SavedModel from the TF2 detection model zoo) and draws its boxes inline; it needs the
network once. The **offline** one always runs: :func:`make_video` generates frames of
moving shapes with their true boxes, :func:`build_detector` is a small one-stage (grid)
detector trained on such frames, :func:`non_max_suppression` removes duplicate boxes
with ``tf.image.non_max_suppression``, and :class:`IoUTracker` links detections across
frames into tracks with IDs, scored by :func:`evaluate_tracking`.

Boxes are ``[ymin, xmin, ymax, xmax]`` (TensorFlow's order), in pixels unless stated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlbook.profile import freeze

if TYPE_CHECKING:
    import keras

SETTINGS = freeze(
    {
        "full": {
            "n_train": 3000,
            "n_val": 300,
            "epochs": 12,
            "batch_size": 64,
            "n_frames": 60,
            "n_videos": 10,
        },
        "quick": {
            "n_train": 600,
            "n_val": 100,
            "epochs": 25,
            "batch_size": 64,
            "n_frames": 30,
            "n_videos": 6,
        },
    }
)

FRAME = 64  #: frames are FRAME x FRAME grey images
GRID = 8  #: the detector predicts on a GRID x GRID grid of cells
CELL = FRAME // GRID
CLASSES = ("disc", "square")
SCORE_THRESHOLD = 0.5  #: a cell's box counts as a detection from this objectness on
NMS_IOU = 0.4  #: non-max suppression drops a box overlapping a better one more than this
MATCH_IOU = 0.5  #: a box matches a true object (for scoring) from this IoU on

#: The model the real path loads: SSD MobileNet v2 (320x320) trained on COCO 2017 (its
#: URL and hash: ``mlbook.data.downloads.SSD``).
SSD_NAME = "ssd_mobilenet_v2_320x320_coco17_tpu-8"

#: COCO 2017 label map (id -> name) used by the TF detection model zoo (80 of 90 ids).
COCO_LABELS = dict(
    enumerate(
        (
            "person bicycle car motorcycle airplane bus train truck boat traffic_light "
            "fire_hydrant _ stop_sign parking_meter bench bird cat dog horse sheep cow elephant "
            "bear zebra giraffe _ backpack umbrella _ _ handbag tie suitcase frisbee skis "
            "snowboard sports_ball kite baseball_bat baseball_glove skateboard surfboard "
            "tennis_racket bottle _ wine_glass cup fork knife spoon bowl banana apple sandwich "
            "orange broccoli carrot hot_dog pizza donut cake chair couch potted_plant bed _ "
            "dining_table _ _ toilet _ tv laptop mouse remote keyboard cell_phone microwave oven "
            "toaster sink refrigerator _ book clock vase scissors teddy_bear hair_drier "
            "toothbrush"
        ).split(),
        start=1,
    )
)
COCO_LABELS = {k: v.replace("_", " ") for k, v in COCO_LABELS.items() if v != "_"}


# --- geometry ------------------------------------------------------------------------


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in *a* with every box in *b*.

    Parameters
    ----------
    a : ndarray, shape (n, 4) or (4,)
    b : ndarray, shape (m, 4) or (4,)
        Boxes ``[ymin, xmin, ymax, xmax]``.

    Returns
    -------
    ndarray, shape (n, m)
        0 for boxes that do not overlap, 1 for identical boxes.
    """
    a = np.asarray(a, float).reshape(-1, 4)[:, None, :]
    b = np.asarray(b, float).reshape(-1, 4)[None, :, :]
    top, bottom = np.maximum(a[..., 0], b[..., 0]), np.minimum(a[..., 2], b[..., 2])
    left, right = np.maximum(a[..., 1], b[..., 1]), np.minimum(a[..., 3], b[..., 3])
    h = np.clip(bottom - top, 0, None)  # 0 if the boxes do not overlap
    w = np.clip(right - left, 0, None)
    inter = h * w
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def centre(boxes: np.ndarray) -> np.ndarray:
    """Centres ``(y, x)`` of boxes ``(n, 4)`` -> ``(n, 2)``."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], 1)


# --- synthetic scenes and video ------------------------------------------------------


def draw(
    canvas: np.ndarray, cls: int, cy: float, cx: float, size: float, brightness: float = 1.0
) -> np.ndarray:
    """Draw a disc (``cls`` 0) or a square (1) of side/diameter *size* centred at (cy, cx)."""
    yy, xx = np.mgrid[: canvas.shape[0], : canvas.shape[1]] + 0.5
    r = size / 2
    if cls == 0:
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
    else:
        mask = (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
    canvas[mask] = np.maximum(canvas[mask], brightness)
    return canvas


def box_of(cy: float, cx: float, size: float) -> np.ndarray:
    """Return the box ``[ymin, xmin, ymax, xmax]`` of an object of *size* centred at (cy, cx)."""
    r = size / 2
    return np.array([cy - r, cx - r, cy + r, cx + r])


def render(
    objects: list[tuple[int, float, float, float, float]],
    rng: np.random.Generator,
    noise: float = 0.08,
) -> np.ndarray:
    """Draw a frame ``(FRAME, FRAME)`` float32 in [0, 1]: objects on a noisy background.

    Each object is ``(cls, cy, cx, size, brightness)``.
    """
    frame = rng.uniform(0, noise * 2, (FRAME, FRAME))
    for cls, cy, cx, size, bright in objects:
        draw(frame, cls, cy, cx, size, bright)
    return np.clip(frame + rng.normal(0, noise, frame.shape), 0, 1).astype("float32")


def random_scenes(n: int, seed: int = 0, max_objects: int = 3):
    """*n* still frames with 1 to *max_objects* non-overlapping shapes each.

    Returns
    -------
    images : ndarray, shape (n, FRAME, FRAME), float32
    boxes : list of ndarray, shape (k_i, 4)
    classes : list of ndarray, shape (k_i,)
    """
    rng = np.random.default_rng(seed)
    images, all_boxes, all_classes = [], [], []
    for _ in range(n):
        objects = []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _attempt in range(20):
                size = rng.uniform(8, 20)
                cy, cx = rng.uniform(size / 2, FRAME - size / 2, 2)
                if all(np.hypot(cy - o[1], cx - o[2]) > (size + o[3]) / 2 + 2 for o in objects):
                    objects.append((int(rng.integers(2)), cy, cx, size, rng.uniform(0.6, 1.0)))
                    break
        images.append(render(objects, rng))
        all_boxes.append(np.array([box_of(o[1], o[2], o[3]) for o in objects]).reshape(-1, 4))
        all_classes.append(np.array([o[0] for o in objects], int))
    return np.stack(images), all_boxes, all_classes


@dataclass
class Video:
    """A synthetic video and its ground truth.

    Attributes
    ----------
    frames : ndarray, shape (n_frames, FRAME, FRAME), float32
    boxes : list of ndarray (k_t, 4)
        True boxes in frame t.
    ids : list of ndarray (k_t,)
        The identity of each true object (the same object keeps its id).
    classes : list of ndarray (k_t,)
    """

    frames: np.ndarray
    boxes: list[np.ndarray] = field(default_factory=list)
    ids: list[np.ndarray] = field(default_factory=list)
    classes: list[np.ndarray] = field(default_factory=list)


def make_video(n_frames: int = 40, seed: int = 0) -> Video:
    """Three shapes that move and bounce off the borders, crossing each other's paths.

    Objects 0 and 1 (a disc and a square of the same size) start at opposite sides on
    neighbouring rows and move towards each other, so they pass (overlapping) several
    times; object 2 moves diagonally, mostly below them. Crossings are the hard case
    for a tracker: the detector may see one blob instead of two for a few frames.
    """
    rng = np.random.default_rng(seed)
    state = [  # cls, cy, cx, vy, vx, size, brightness
        [0, 22.0, 9.0, 0.0, 2.0, 14.0, 0.95],
        [1, 30.0, 55.0, 0.0, -2.0, 14.0, 0.75],
        [int(rng.integers(2)), 44.0, 30.0, 0.7, 1.4, 12.0, 0.85],
    ]
    video = Video(np.zeros((n_frames, FRAME, FRAME), "float32"))
    for t in range(n_frames):
        video.frames[t] = render([(s[0], s[1], s[2], s[5], s[6]) for s in state], rng)
        video.boxes.append(np.array([box_of(s[1], s[2], s[5]) for s in state]))
        video.ids.append(np.arange(len(state)))
        video.classes.append(np.array([s[0] for s in state], int))
        for s in state:
            for pos, vel in ((1, 3), (2, 4)):
                s[pos] += s[vel]
                if not s[5] / 2 <= s[pos] <= FRAME - s[5] / 2:  # bounce off the border
                    s[vel] = -s[vel]
                    s[pos] = np.clip(s[pos], s[5] / 2, FRAME - s[5] / 2)
    return video


# --- the detector --------------------------------------------------------------------


def encode_targets(boxes: list[np.ndarray], classes: list[np.ndarray]) -> np.ndarray:
    """Grid targets: ``[1, class, ty, tx, h, w]`` in the cell of each object's centre.

    ``ty, tx`` in [0, 1) locate the centre inside its cell; ``h, w`` are the box size
    divided by the frame size.

    Returns
    -------
    ndarray, shape (n, GRID, GRID, 6), float32
    """
    target = np.zeros((len(boxes), GRID, GRID, 6), "float32")
    for i, (bxs, cls) in enumerate(zip(boxes, classes)):
        for box, c in zip(bxs, cls):
            cy, cx = centre(box)[0]
            gy, gx = min(int(cy // CELL), GRID - 1), min(int(cx // CELL), GRID - 1)
            target[i, gy, gx] = [
                1,
                c,
                cy / CELL - gy,
                cx / CELL - gx,
                (box[2] - box[0]) / FRAME,
                (box[3] - box[1]) / FRAME,
            ]
    return target


def detection_loss(y_true, y_pred):
    """Objectness (binary cross-entropy, every cell) + class and box (object cells).

    ``y_pred`` channels: objectness logit, ``len(CLASSES)`` class logits, then
    ``ty, tx`` (sigmoid) and ``h, w``.
    """
    import tensorflow as tf

    obj = y_true[..., 0]
    obj_loss = tf.reduce_mean(
        tf.nn.weighted_cross_entropy_with_logits(obj, y_pred[..., 0], pos_weight=4.0)
    )
    n_obj = tf.maximum(tf.reduce_sum(obj), 1.0)
    k = len(CLASSES)
    cls_loss = (
        tf.reduce_sum(
            obj
            * tf.nn.sparse_softmax_cross_entropy_with_logits(
                tf.cast(y_true[..., 1], tf.int32), y_pred[..., 1 : 1 + k]
            )
        )
        / n_obj
    )
    box_pred = tf.concat(
        [tf.sigmoid(y_pred[..., 1 + k : 3 + k]), y_pred[..., 3 + k : 5 + k]],
        -1,
    )
    box_err = tf.reduce_sum(tf.square(box_pred - y_true[..., 2:6]) * [1, 1, 4, 4], -1)
    box_loss = tf.reduce_sum(obj * box_err) / n_obj
    return obj_loss + cls_loss + 5.0 * box_loss


def build_detector() -> keras.Model:
    """Build a one-stage detector: a small CNN that shrinks 64 x 64 to an 8 x 8 grid.

    Each grid cell predicts ``1 + len(CLASSES) + 4`` numbers: is there an object centre
    here, which class, and where is its box (see ``encode_targets``).
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(FRAME, FRAME, 1)),
            # 32 x 32
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 16 x 16
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),  # 8 x 8
            layers.Conv2D(48, 3, padding="same", activation="relu"),
            layers.Conv2D(1 + len(CLASSES) + 4, 1),  # one prediction per cell
        ],
        name="grid_detector",
    )
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=detection_loss)
    return model


def decode(pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell's box, score and class from one frame's raw output.

    Parameters
    ----------
    pred : ndarray, shape (GRID, GRID, 1 + n_classes + 4)

    Returns
    -------
    boxes : ndarray, shape (GRID * GRID, 4) in pixels
    scores : ndarray, shape (GRID * GRID,), objectness probabilities
    classes : ndarray, shape (GRID * GRID,)
    """
    k = len(CLASSES)
    gy, gx = np.mgrid[:GRID, :GRID]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    cy = (gy + sig(pred[..., 1 + k])) * CELL
    cx = (gx + sig(pred[..., 2 + k])) * CELL
    h = np.clip(pred[..., 3 + k], 0.02, 1) * FRAME
    w = np.clip(pred[..., 4 + k], 0.02, 1) * FRAME
    boxes = np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], -1).reshape(-1, 4)
    return boxes, sig(pred[..., 0]).ravel(), pred[..., 1 : 1 + k].argmax(-1).ravel()


def non_max_suppression(
    boxes: np.ndarray,
    scores: np.ndarray,
    *,
    iou_threshold: float = NMS_IOU,
    score_threshold: float = SCORE_THRESHOLD,
    max_output: int = 10,
) -> np.ndarray:
    """Return the indices of the boxes to keep, best first.

    A wrapper of ``tf.image.non_max_suppression``.

    Boxes below *score_threshold* are dropped; of boxes that overlap more than
    *iou_threshold*, only the highest-scoring one is kept. Class-agnostic: boxes of all
    classes compete with each other.
    """
    import tensorflow as tf

    keep = tf.image.non_max_suppression(
        np.asarray(boxes, "float32"),
        np.asarray(scores, "float32"),
        max_output,
        iou_threshold=iou_threshold,
        score_threshold=score_threshold,
    )
    return keep.numpy()


def nms_by_hand(
    boxes: np.ndarray,
    scores: np.ndarray,
    *,
    iou_threshold: float = NMS_IOU,
    score_threshold: float = SCORE_THRESHOLD,
    max_output: int = 10,
) -> np.ndarray:
    """Greedy non-max suppression in NumPy, step by step; the indices kept, best first.

    The same rule as ``tf.image.non_max_suppression``: boxes scoring above
    *score_threshold* are candidates; the best candidate is kept and every candidate
    overlapping it by more than *iou_threshold* is dropped; repeat.
    """
    order = np.argsort(-np.asarray(scores), kind="stable")  # the best score first
    candidates = [i for i in order if scores[i] > score_threshold]
    keep = []
    while candidates and len(keep) < max_output:
        best = candidates.pop(0)  # the highest score left
        keep.append(best)
        overlap = iou(boxes[best], boxes[candidates])[0]
        candidates = [i for i, o in zip(candidates, overlap) if o <= iou_threshold]
    return np.array(keep, int)


def detect(
    model,
    frames: np.ndarray,
    *,
    score_threshold: float = SCORE_THRESHOLD,
    iou_threshold: float = NMS_IOU,
    nms: bool = True,
):
    """Run the detector on frames ``(n, FRAME, FRAME)``; per frame: boxes, scores, classes."""
    preds = model.predict(frames[..., None], verbose=0, batch_size=128)
    out = []
    for pred in preds:
        boxes, scores, classes = decode(pred)
        if nms:
            keep = non_max_suppression(
                boxes, scores, iou_threshold=iou_threshold, score_threshold=score_threshold
            )
        else:
            keep = np.flatnonzero(scores >= score_threshold)
        out.append((boxes[keep], scores[keep], classes[keep]))
    return out


def match(
    true_boxes: np.ndarray, pred_boxes: np.ndarray, threshold: float = MATCH_IOU
) -> list[tuple[int, int, float]]:
    """One-to-one matching of true and predicted boxes maximising IoU (Hungarian).

    Returns
    -------
    list of (true index, predicted index, IoU) for pairs with IoU >= *threshold*.
    """
    from scipy.optimize import linear_sum_assignment

    if len(true_boxes) == 0 or len(pred_boxes) == 0:
        return []
    overlap = iou(true_boxes, pred_boxes)
    rows, cols = linear_sum_assignment(-overlap)
    return [
        (int(r), int(c), float(overlap[r, c]))
        for r, c in zip(rows, cols)
        if overlap[r, c] >= threshold
    ]


def detection_scores(true_boxes, true_classes, detections, threshold: float = MATCH_IOU) -> dict:
    """Precision, recall, mean IoU and class accuracy of matched detections over frames."""
    tp = n_true = n_pred = correct_cls = 0
    ious = []
    for tb, tc, (pb, _, pc) in zip(true_boxes, true_classes, detections):
        pairs = match(tb, pb, threshold)
        tp += len(pairs)
        n_true += len(tb)
        n_pred += len(pb)
        ious += [p[2] for p in pairs]
        correct_cls += sum(int(tc[i] == pc[j]) for i, j, _ in pairs)
    return {
        "precision": tp / max(n_pred, 1),
        "recall": tp / max(n_true, 1),
        "mean_iou": float(np.mean(ious)) if ious else 0.0,
        "class_accuracy": correct_cls / max(tp, 1),
    }


def precision_per_frame(true_boxes, detections, threshold: float = MATCH_IOU) -> np.ndarray:
    """Return each frame's precision (matched boxes over boxes); NaN where it has none."""
    out = []
    for tb, (pb, _, _) in zip(true_boxes, detections):
        out.append(len(match(tb, pb, threshold)) / len(pb) if len(pb) else np.nan)
    return np.array(out, float)


def recall_per_frame(true_boxes, detections, threshold: float = MATCH_IOU) -> np.ndarray:
    """Return each frame's recall (objects found over objects); NaN where it has none."""
    out = []
    for tb, (pb, _, _) in zip(true_boxes, detections):
        out.append(len(match(tb, pb, threshold)) / len(tb) if len(tb) else np.nan)
    return np.array(out, float)


def loss_per_scene(model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return :func:`detection_loss` of *model* on every scene of *x* on its own."""
    import tensorflow as tf

    pred = model.predict(x[..., None], verbose=0, batch_size=128)
    pairs = (tf.constant(y, tf.float32), tf.constant(pred, tf.float32))
    losses = tf.vectorized_map(lambda p: detection_loss(p[0][None], p[1][None]), pairs)
    return losses.numpy().astype(float)


# --- the tracker ---------------------------------------------------------------------


@dataclass
class Track:
    """One tracked object: its ID, last box, velocity (per frame) and missed frames."""

    id: int
    box: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))
    missed: int = 0
    hits: int = 1

    def predicted(self) -> np.ndarray:
        """Where the box should be in the next frame (constant velocity)."""
        return self.box + self.velocity * (1 + self.missed)


class IoUTracker:
    """Link detections across frames by IoU with each track's predicted box.

    Parameters
    ----------
    iou_threshold : float
        A detection continues a track only if it overlaps the track's predicted box at
        least this much; otherwise it starts a new track.
    max_missed : int
        A track survives this many frames without a detection (e.g. an occlusion).
    motion : bool
        Predict each box forward with the track's velocity (``False``: use the last
        box as is, the plain IoU tracker).
    """

    def __init__(
        self,
        iou_threshold: float = 0.2,
        max_missed: int = 10,
        motion: bool = True,
    ):
        self.iou_threshold = iou_threshold
        self.max_missed = max_missed
        self.motion = motion
        self.tracks: list[Track] = []
        self.next_id = 1

    def update(self, boxes: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Take one frame's detections ``(k, 4)``; return ``(track_id, box)`` for each.

        Assignment is one-to-one (Hungarian algorithm on 1 - IoU): two detections can
        never take the same track, which is what keeps crossing objects apart.
        """
        from scipy.optimize import linear_sum_assignment

        boxes = np.asarray(boxes, float).reshape(-1, 4)
        predicted = np.array(
            [t.predicted() if self.motion else t.box for t in self.tracks]
        ).reshape(-1, 4)
        overlap = iou(predicted, boxes)
        pairs = []
        if overlap.size:
            rows, cols = linear_sum_assignment(-overlap)
            threshold = self.iou_threshold
            pairs = [(r, c) for r, c in zip(rows, cols) if overlap[r, c] >= threshold]
        out = []
        matched_tracks = {r for r, _ in pairs}
        for r, c in pairs:
            track = self.tracks[r]
            step = (boxes[c] - track.box) / (1 + track.missed)
            if track.hits > 1:
                track.velocity = 0.5 * track.velocity + 0.5 * step
            else:
                track.velocity = step
            track.box, track.missed, track.hits = boxes[c], 0, track.hits + 1
            out.append((track.id, boxes[c]))
        for r, track in enumerate(self.tracks):
            if r not in matched_tracks:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        for c in sorted(set(range(len(boxes))) - {c for _, c in pairs}):
            self.tracks.append(Track(self.next_id, boxes[c]))
            out.append((self.next_id, boxes[c]))
            self.next_id += 1
        return out


def crossing_detections(
    n_frames: int = 11, hidden: tuple[int, ...] = (5,), speed: float = 4.0, size: float = 10.0
) -> list[np.ndarray]:
    """Make detections by hand of two boxes on one row that move towards each other and cross.

    A comes from the left (detected first in every frame), B from the right. In the
    *hidden* frames they coincide and only one box is detected (an occlusion).
    """
    frames = []
    for t in range(n_frames):
        a = box_of(20, 10 + speed * t, size)
        b = box_of(20, 10 + speed * (n_frames - 1) - speed * t, size)
        frames.append(np.array([a]) if t in hidden else np.array([a, b]))
    return frames


def run_tracker(
    tracker: IoUTracker, detections: list[np.ndarray]
) -> list[list[tuple[int, np.ndarray]]]:
    """Feed per-frame detection boxes to *tracker*; return its output for every frame."""
    return [tracker.update(boxes) for boxes in detections]


def evaluate_tracking(
    video: Video,
    tracks: list[list[tuple[int, np.ndarray]]],
    threshold: float = MATCH_IOU,
) -> dict[str, float]:
    """CLEAR-MOT style scores of a tracker's output against the video's ground truth.

    Per frame, true objects are matched one-to-one to track outputs (IoU >= threshold),
    each frame afresh. (CLEAR-MOT first keeps the previous frame's object-track pairs
    that still overlap enough, and matches only the rest.)

    Returns
    -------
    dict
        ``mean_iou`` of matched pairs; ``misses`` (true objects without a track output);
        ``false_positives`` (outputs matching no object); ``id_switches`` (a true object
        matched to a different track ID than the last time it was matched); ``mota``
        = 1 - (misses + false positives + switches) / number of true objects; and
        ``n_objects``, the number of true (object, frame) pairs.
    """
    last_id: dict[int, int] = {}
    ious, misses, fps, switches, total = [], 0, 0, 0, 0
    for true_boxes, true_ids, out in zip(video.boxes, video.ids, tracks):
        pred_boxes = np.array([b for _, b in out]).reshape(-1, 4)
        pairs = match(true_boxes, pred_boxes, threshold)
        total += len(true_boxes)
        misses += len(true_boxes) - len(pairs)
        fps += len(pred_boxes) - len(pairs)
        for i, j, overlap in pairs:
            ious.append(overlap)
            obj, tid = int(true_ids[i]), out[j][0]
            if obj in last_id and last_id[obj] != tid:
                switches += 1
            last_id[obj] = tid
    return {
        "mean_iou": float(np.mean(ious)) if ious else 0.0,
        "misses": misses,
        "false_positives": fps,
        "id_switches": switches,
        "mota": 1 - (misses + fps + switches) / max(total, 1),
        "n_objects": total,
    }


def errors_per_frame(video: Video, tracks) -> np.ndarray:
    """Return the misses + false positives + ID switches of every frame.

    Read off :func:`evaluate_tracking` on ever longer prefixes of the video, so the
    counts are exactly its counts, frame by frame.
    """
    totals = [0]
    for t in range(1, len(tracks) + 1):
        prefix = Video(video.frames[:t], video.boxes[:t], video.ids[:t], video.classes[:t])
        s = evaluate_tracking(prefix, tracks[:t])
        totals.append(s["misses"] + s["false_positives"] + s["id_switches"])
    return np.diff(totals)


def mota_on_videos(detector, n_videos: int, n_frames: int, seed: int = 0):
    """Return the MOTA of the tracker with and without motion on *n_videos* videos.

    Video *i* is ``make_video(n_frames, seed + i)``; both trackers get the same
    detections, so the two lists are paired video by video.
    """
    with_motion, plain = [], []
    for i in range(n_videos):
        video = make_video(n_frames, seed=seed + i)
        boxes = [d[0] for d in detect(detector, video.frames)]
        for motion, scores in ((True, with_motion), (False, plain)):
            tracks = run_tracker(IoUTracker(motion=motion), boxes)
            scores.append(evaluate_tracking(video, tracks)["mota"])
    return with_motion, plain


#: How :func:`score_table` names and formats the scores of :func:`detection_scores` and
#: :func:`evaluate_tracking`: shares as percentages, counts grouped, the rest (mean IoU,
#: MOTA, which can fall below zero) as numbers.
SCORE_COLUMNS = {
    "boxes_per_frame": ("boxes per frame", "number"),
    "precision": ("precision", "percent"),
    "recall": ("recall", "percent"),
    "mean_iou": ("mean IoU", "number"),
    "class_accuracy": ("class accuracy", "percent"),
    "misses": ("misses", "count"),
    "false_positives": ("false positives", "count"),
    "id_switches": ("ID switches", "count"),
    "mota": ("MOTA", "number"),
    "n_objects": ("objects", "count"),
}


def score_table(scores: dict[str, dict[str, float]], index_name: str | None = None):
    """Typeset detection or tracking scores, one row per method (a pandas Styler).

    *scores* maps a row label (``"with NMS"``) to a dict as :func:`detection_scores` or
    :func:`evaluate_tracking` return it; columns keep that order and get readable names
    and formats from :data:`SCORE_COLUMNS`.
    """
    import pandas as pd

    from mlbook import typeset

    frame = pd.DataFrame.from_dict(scores, orient="index").rename_axis(index_name)
    names = {key: SCORE_COLUMNS.get(key, (key, "number"))[0] for key in frame.columns}
    formats = {names[key]: SCORE_COLUMNS.get(key, (key, "number"))[1] for key in frame.columns}
    return typeset.table(frame.rename(columns=names), formats)


# --- drawing -------------------------------------------------------------------------


#: Where :func:`draw_boxes` tries a box's label, in this order, until it overlaps no
#: label drawn before it and stays inside the axes: above the box's top-left corner,
#: below its bottom-left corner, then the right-hand corners, then inside the box.
LABEL_CORNERS = (
    "top left",
    "bottom left",
    "top right",
    "bottom right",
    "inside top left",
    "inside bottom left",
)


def draw_boxes(
    ax,
    image: np.ndarray,
    boxes: np.ndarray,
    labels: list[str],
    *,
    colors: list | None = None,
    cmap: str = "gray",
    fontsize: float = 8,
):
    """Show *image* with boxes ``(k, 4)`` in pixels and a label on each; returns ax.

    Each label goes to the first of :data:`LABEL_CORNERS` where it overlaps no label
    drawn before it (measured at the figure's current size, with a margin), so that
    the labels of overlapping boxes stay readable.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    ax.imshow(image, cmap=cmap, vmin=0, vmax=1 if image.dtype.kind == "f" else 255)
    ax.set_xticks([]), ax.set_yticks([])
    ax.grid(False)
    ax.apply_aspect()  # the axes' final shape, to measure the labels in it
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    colors = colors or [plt.cm.tab10(i % 10) for i in range(len(boxes))]
    placed = []  # the window extents of the labels drawn so far
    for box, label, color in zip(boxes, labels, colors):
        y0, x0, y1, x1 = box
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=1.8, ec=color))
        for corner in LABEL_CORNERS:
            text = _label_at(ax, box, label, corner, color, fontsize=fontsize)
            extent = text.get_window_extent(renderer).padded(3)
            inside = frame.contains(extent.x0, extent.y0) and frame.contains(extent.x1, extent.y1)
            if inside and not any(extent.overlaps(other) for other in placed):
                break
            if corner != LABEL_CORNERS[-1]:
                text.remove()
        placed.append(extent)
    return ax


def plot_track_strip(video: Video, tracks, frames: list[int], *, ncols: int = 4):
    """Draw frames in rows of *ncols*, each track's box and ID in its colour; return fig."""
    import matplotlib.pyplot as plt

    ncols = min(ncols, len(frames))
    nrows = -(-len(frames) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7, 0.4 + 1.9 * nrows), squeeze=False)
    for ax in axes.flat[len(frames) :]:
        ax.set_visible(False)
    for ax, t in zip(axes.flat, frames):
        out = tracks[t]
        draw_boxes(
            ax,
            video.frames[t],
            np.array([b for _, b in out]).reshape(-1, 4),
            [str(tid) for tid, _ in out],
            colors=[plt.cm.tab10(tid % 10) for tid, _ in out],
            fontsize=9,
        )
        ax.set_title(f"frame {t}", fontsize=10)
    fig.suptitle("Tracks through the crossing (colour and number = track ID)")
    fig.tight_layout()
    return fig


# --- the real path: a pretrained detector --------------------------------------------


def pretrained_available(timeout: float = 3.0) -> bool:
    """Return True if the zoo's SSD is cached or its server answers within *timeout* s."""
    from mlbook.data import downloads

    return downloads.available(downloads.SSD, timeout=timeout)


def load_pretrained_detector() -> Callable:
    """Download (once, hash-checked and cached) and load the zoo's SSD SavedModel."""
    import tensorflow as tf

    from mlbook.data import downloads

    folder = downloads.fetch(downloads.SSD)  # the archive, unpacked
    return tf.saved_model.load(str(folder / "saved_model"))


def detect_pretrained(
    detector: Callable,
    image: np.ndarray,
    *,
    min_score: float = 0.5,
    labels: dict[int, str] = COCO_LABELS,
):
    """Run a TF2 zoo detector on one RGB image ``(h, w, 3)`` uint8.

    The model expects a **batch** ``(1, h, w, 3)`` of ``uint8``; its outputs are batched
    too, with boxes normalised to [0, 1]. Returns boxes in pixels ``(k, 4)``, scores
    ``(k,)`` and label names for detections scoring at least *min_score*.
    """
    import tensorflow as tf

    batch = tf.convert_to_tensor(image, dtype=tf.uint8)[tf.newaxis, ...]
    out = detector(batch)
    scores = np.asarray(out["detection_scores"])[0]
    keep = scores >= min_score
    h, w = image.shape[:2]
    boxes = np.asarray(out["detection_boxes"])[0][keep] * [h, w, h, w]
    classes = np.asarray(out["detection_classes"])[0][keep].astype(int)
    return boxes, scores[keep], [labels.get(c, f"class {c}") for c in classes]


# --- explanatory figures -------------------------------------------------------------

#: The hand-made candidates of :func:`draw_iou_nms`: a disc and a square, and boxes from
#: neighbouring cells around them, each ``(box, score, corner for its label)``.
NMS_EXAMPLE = (
    (box_of(21, 19, 16), 0.92, "top left"),
    (box_of(24, 23, 17), 0.81, "bottom right"),
    (box_of(19, 16, 15), 0.64, "bottom left"),
    (box_of(43, 45, 14), 0.88, "top left"),
    (box_of(46, 44, 15), 0.57, "bottom right"),
    (box_of(31, 40, 12), 0.35, "top right"),
)


def _label_at(ax, box, text, corner, color, fontsize=9):
    """Write *text* just outside the *corner* (``"top left"``, ...) of *box*.

    A corner named ``"inside top left"`` (or another ``"inside ..."``) puts the text
    just inside that corner of the box instead.
    """
    y0, x0, y1, x1 = box
    *inside, vertical, horizontal = corner.split()
    if inside:
        y, va = (y0 + 0.5, "top") if vertical == "top" else (y1 - 0.5, "bottom")
    else:
        y, va = (y0 - 0.5, "bottom") if vertical == "top" else (y1 + 0.5, "top")
    x, ha = (x0, "left") if horizontal == "left" else (x1, "right")
    return ax.text(
        x, y, text, color="white", fontsize=fontsize, va=va, ha=ha,
        bbox={"facecolor": color, "pad": 1.2, "lw": 0},
    )  # fmt: skip


def draw_iou_nms(fig=None):
    """Draw IoU on two boxes (left) and non-max suppression on overlapping boxes (right).

    Left: boxes A and B, their intersection filled, the IoU computed by :func:`iou`.
    Right: the :data:`NMS_EXAMPLE` candidates on a scene with a disc and a square, after
    :func:`nms_by_hand`: kept boxes solid, boxes dropped for overlapping a kept box
    dashed, boxes below the score threshold dotted. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    fig = fig or plt.figure(figsize=(7, 4.1))
    ax_iou, ax_nms = fig.subplots(1, 2)
    # IoU
    a, b = np.array([10, 10, 40, 40]), np.array([25, 20, 55, 50])
    inter_box = np.r_[np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])]
    inter = np.prod(inter_box[2:] - inter_box[:2])
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    for box, name, color, corner in ((a, "A", "C0", "top left"), (b, "B", "C1", "bottom right")):
        y0, x0, y1, x1 = box
        ax_iou.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc=color, alpha=0.15, lw=0))
        ax_iou.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=color, lw=2))
        _label_at(ax_iou, box, name, corner, color, fontsize=10)
    y0, x0, y1, x1 = inter_box
    ax_iou.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="C2", alpha=0.6, hatch="//"))
    ax_iou.text((x0 + x1) / 2, (y0 + y1) / 2, "A ∩ B", ha="center", va="center", fontsize=10)
    value = iou(a, b)[0, 0]
    ax_iou.set(xlim=(0, 64), ylim=(64, 0), aspect="equal", xlabel="x (pixels)", ylabel="y (pixels)")
    ax_iou.set_title(f"IoU = {inter:.0f} / {union:.0f} = {value:.2f}", fontsize=11)
    # NMS
    rng = np.random.default_rng(0)
    scene = render([(0, 21, 19, 15, 0.9), (1, 43, 45, 13, 0.8)], rng)
    ax_nms.imshow(scene, cmap="gray", vmin=0, vmax=1)
    boxes = np.array([c[0] for c in NMS_EXAMPLE])
    scores = np.array([c[1] for c in NMS_EXAMPLE])
    keep = nms_by_hand(boxes, scores)
    styles = {
        "kept": {"ls": "-", "lw": 2.2, "color": "C2"},
        "dropped: overlaps a kept box": {"ls": "--", "lw": 1.5, "color": "C3"},
        "dropped: score too low": {"ls": ":", "lw": 1.5, "color": "C7"},
    }
    for i, (box, score, corner) in enumerate(NMS_EXAMPLE):
        fate = (
            "kept"
            if i in keep
            else "dropped: score too low"
            if score <= SCORE_THRESHOLD
            else "dropped: overlaps a kept box"
        )
        style = styles[fate]
        y0, x0, y1, x1 = box
        ax_nms.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, **style))
        _label_at(ax_nms, box, f"{score:.2f}", corner, style["color"])
    ax_nms.set(xticks=[], yticks=[])
    ax_nms.grid(False)
    ax_nms.set_title(
        f"NMS: IoU threshold {NMS_IOU},\nscore threshold {SCORE_THRESHOLD}", fontsize=11
    )
    handles = [Line2D([], [], **style) for style in styles.values()]
    ax_nms.legend(
        handles, list(styles), loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=9
    )
    fig.tight_layout()
    return fig


def draw_detector_stages(image: np.ndarray, pred: np.ndarray, *, n_proposals: int = 8):
    """Contrast a one-stage and a two-stage detector on one scene; return the figure.

    Left (one stage): the GRID x GRID cells, a dot at every cell centre (each cell makes
    one prediction), the cells whose objectness passes :data:`SCORE_THRESHOLD` shaded,
    and the three anchor boxes (aspect ratios 1:1, 2:1, 1:2) an SSD would place at the
    best cell. Right (two stages): the *n_proposals* boxes with the highest objectness,
    class-agnostic, as a region proposal network would hand them on; then the boxes left
    after classification and NMS, with their class. *pred* is the detector's raw output
    for *image*, ``(GRID, GRID, 1 + len(CLASSES) + 4)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    boxes, scores, classes = decode(pred)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 4.4))
    for ax in (ax1, ax2):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[], xlim=(-0.5, FRAME - 0.5), ylim=(FRAME - 0.5, -0.5))
        ax.grid(False)
    # one stage: every cell predicts
    for k in range(1, GRID):
        ax1.axhline(k * CELL - 0.5, color="C0", lw=0.6, alpha=0.7)
        ax1.axvline(k * CELL - 0.5, color="C0", lw=0.6, alpha=0.7)
    gy, gx = np.mgrid[:GRID, :GRID]
    ax1.scatter((gx.ravel() + 0.5) * CELL - 0.5, (gy.ravel() + 0.5) * CELL - 0.5, s=6, c="C0")
    for cell in np.flatnonzero(scores > SCORE_THRESHOLD):
        y, x = divmod(int(cell), GRID)
        ax1.add_patch(
            Rectangle((x * CELL - 0.5, y * CELL - 0.5), CELL, CELL, fc="C1", alpha=0.45, lw=0)
        )
    best_y, best_x = divmod(int(scores.argmax()), GRID)
    cy, cx = (best_y + 0.5) * CELL - 0.5, (best_x + 0.5) * CELL - 0.5
    side = 2 * CELL
    for ratio in (1.0, 2.0, 0.5):
        h, w = side / np.sqrt(ratio), side * np.sqrt(ratio)
        ax1.add_patch(
            Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, ec="C3", ls="--", lw=1.5)
        )
    ax1.set_title(f"One stage: {GRID * GRID} cells predict at once", fontsize=11)
    ax1.legend(
        [
            Line2D([], [], ls="", marker="o", ms=4, color="C0"),
            Patch(fc="C1", alpha=0.45),
            Line2D([], [], ls="--", color="C3"),
        ],
        ["a prediction per cell", "objectness above threshold", "SSD's anchors at one cell"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        fontsize=9,
    )
    # two stages: proposals, then classify
    top = np.argsort(-scores)[:n_proposals]
    for box in boxes[top]:
        y0, x0, y1, x1 = box
        ax2.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="C1", ls="--", lw=1.2))
    keep = nms_by_hand(boxes[top], scores[top])
    for i in top[keep]:
        y0, x0, y1, x1 = boxes[i]
        ax2.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="C2", ls="-", lw=2.2))
        _label_at(ax2, boxes[i], CLASSES[classes[i]], "top left", "C2")
    ax2.set_title(f"Two stages: {n_proposals} proposals, then classify", fontsize=11)
    ax2.legend(
        [Line2D([], [], ls="--", color="C1"), Line2D([], [], lw=2.2, color="C2")],
        ["proposals (stage 1)", "classified and kept (stage 2)"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        fontsize=9,
    )
    fig.tight_layout()
    return fig
