import re

import numpy as np
import pytest

from mlbook import object_detection as od


def box(cy, cx, size=10):
    return od.box_of(cy, cx, size)


def test_iou_on_hand_made_boxes():
    a = np.array([0, 0, 10, 10])
    assert od.iou(a, a)[0, 0] == pytest.approx(1.0)
    assert od.iou(a, [20, 20, 30, 30])[0, 0] == 0.0  # disjoint
    assert od.iou(a, [0, 5, 10, 15])[0, 0] == pytest.approx(50 / 150)  # half overlap
    assert od.iou(a, [2, 2, 8, 8])[0, 0] == pytest.approx(36 / 100)  # inside
    assert od.iou(a, [10, 0, 20, 10])[0, 0] == 0.0  # touching edges
    assert od.iou(np.zeros((2, 4)) + a, np.zeros((3, 4)) + a).shape == (2, 3)


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [30, 30, 40, 40], [0, 0, 10, 9]], float)
    scores = np.array([0.9, 0.95, 0.8, 0.3])
    keep = od.non_max_suppression(boxes, scores, iou_threshold=0.5, score_threshold=0.5)
    assert keep.tolist() == [1, 2]  # best of the pair, the lone box; 0.3 dropped
    keep_all = od.non_max_suppression(boxes, scores, iou_threshold=0.99, score_threshold=0.0)
    assert sorted(keep_all.tolist()) == [0, 1, 2, 3]


def test_encode_decode_round_trip():
    boxes = [np.array([box(20.0, 37.0, 12), box(50.0, 10.0, 16)])]
    target = od.encode_targets(boxes, [np.array([0, 1])])
    assert target.shape == (1, od.GRID, od.GRID, 6)
    assert target[..., 0].sum() == 2
    # a perfect prediction: logits that reproduce the targets
    k = len(od.CLASSES)
    pred = np.full((od.GRID, od.GRID, 1 + k + 4), -10.0)
    obj = target[0, ..., 0] == 1
    pred[obj, 0] = 10
    pred[obj, 1 + target[0, obj, 1].astype(int)] = 10
    t = np.clip(target[0, obj, 2:4], 1e-6, 1 - 1e-6)
    pred[obj, 1 + k : 3 + k] = np.log(t / (1 - t))
    pred[obj, 3 + k :] = target[0, obj, 4:]
    dec_boxes, scores, classes = od.decode(pred)
    keep = scores > 0.5
    assert keep.sum() == 2
    pairs = od.match(boxes[0], dec_boxes[keep])
    assert len(pairs) == 2
    assert min(p[2] for p in pairs) > 0.99
    assert sorted(classes[keep].tolist()) == [0, 1]


def crossing():
    """Give the detections of two objects that cross.

    A is at x = 10 + 4t, B at x = 50 - 4t; at frame 5 both are at x = 30 and only one
    box is detected.
    """
    frames = od.crossing_detections()
    assert np.allclose(frames[0], [box(20, 10), box(20, 50)])
    assert len(frames[5]) == 1
    return frames


def test_tracker_assigns_ids_one_to_one():
    tracker = od.IoUTracker()
    first = dict(tracker.update(np.array([box(10, 10), box(40, 40)])))
    assert sorted(first) == [1, 2]
    second = tracker.update(np.array([box(41, 41), box(11, 11)]))  # order swapped
    ids = {tid: tuple(b) for tid, b in second}
    assert ids[1] == tuple(box(11, 11))
    assert ids[2] == tuple(box(41, 41))


def ids_along(outputs, cx0, vx):
    """Return the track IDs given to the object at x = cx0 + vx * t.

    Frame 5, where both objects are at the same place, is excluded.
    """
    found = []
    for t, out in enumerate(outputs):
        if t == 5:
            continue
        found += [tid for tid, b in out if np.allclose(b, box(20, cx0 + vx * t))]
    return found


def test_tracker_keeps_ids_through_a_crossing():
    outputs = od.run_tracker(od.IoUTracker(motion=True), crossing())
    assert set(ids_along(outputs, 10, 4)) == {1}  # A keeps ID 1 throughout
    assert set(ids_along(outputs, 50, -4)) == {2}  # B, hidden at frame 5, keeps 2


def test_without_motion_the_tracker_swaps_ids_at_the_crossing():
    """The plain IoU tracker (last box, no velocity) gives A's ID to B after the crossing."""
    outputs = od.run_tracker(od.IoUTracker(motion=False), crossing())
    assert len(set(ids_along(outputs, 10, 4))) > 1
    assert len(set(ids_along(outputs, 50, -4))) > 1


def test_tracker_drops_tracks_after_max_missed():
    tracker = od.IoUTracker(max_missed=1)
    tracker.update(np.array([box(10, 10)]))
    tracker.update(np.zeros((0, 4)))
    tracker.update(np.zeros((0, 4)))
    assert tracker.tracks == []
    assert tracker.update(np.array([box(10, 10)]))[0][0] == 2  # a new ID


def test_evaluate_tracking_counts_switches_misses_and_false_positives():
    video = od.Video(
        np.zeros((3, 8, 8)), boxes=[np.array([box(10, 10)])] * 3, ids=[np.array([0])] * 3
    )
    perfect = [[(1, box(10, 10))]] * 3
    scores = od.evaluate_tracking(video, perfect)
    assert scores["id_switches"] == 0
    assert scores["misses"] == 0
    assert scores["mota"] == 1
    assert scores["mean_iou"] == pytest.approx(1.0)
    swapped = [[(1, box(10, 10))], [], [(2, box(10, 10)), (3, box(40, 40))]]
    scores = od.evaluate_tracking(video, swapped)
    assert scores["id_switches"] == 1
    assert scores["misses"] == 1
    assert scores["false_positives"] == 1
    assert scores["mota"] == pytest.approx(0.0)


def test_score_table_typesets_shares_counts_and_numbers():
    """Scores as a reader sees them: percentages, grouped counts, no 16-digit floats."""
    detection = {
        "precision": 0.7619047619047619,
        "recall": 0.9351351351351351,
        "mean_iou": 0.7691767393131782,
        "class_accuracy": 1.0,
    }
    tracking = {
        "mean_iou": 0.7151085957940256,
        "misses": 5,
        "false_positives": 1,
        "id_switches": 0,
        "mota": 0.9333333333333333,
        "n_objects": 1200,
    }
    html = od.score_table({"with NMS": detection}).to_html()
    for text in ("76.2 %", "93.5 %", "100.0 %", "mean IoU", "class accuracy", "0.7692"):
        assert text in html
    html = od.score_table({"with motion": tracking}, index_name="tracker").to_html()
    for text in ("0.9333", "1,200", "ID switches", "tracker"):
        assert text in html
    for text in (od.score_table({"a": detection}).to_html(), html):
        assert not re.search(r"\d\.\d{10,}", text)


def test_video_ground_truth_is_consistent():
    video = od.make_video(20, seed=0)
    assert video.frames.shape == (20, od.FRAME, od.FRAME)
    assert 0 <= video.frames.min()
    assert video.frames.max() <= 1
    assert all(len(b) == len(i) == 3 for b, i in zip(video.boxes, video.ids))
    # objects 0 and 1 overlap at some frame: the video contains a crossing
    assert max(od.iou(b[0], b[1])[0, 0] for b in video.boxes) > 0.2
    assert all((b >= 0).all() and (b <= od.FRAME).all() for b in video.boxes)


def test_detect_pretrained_batches_thresholds_and_labels():
    seen = {}

    def fake_detector(batch):
        seen["shape"], seen["dtype"] = tuple(batch.shape), batch.dtype.name
        return {
            "detection_boxes": np.array([[[0.1, 0.2, 0.5, 0.6], [0, 0, 1, 1]]]),
            "detection_scores": np.array([[0.9, 0.2]]),
            "detection_classes": np.array([[18.0, 1.0]]),
        }

    image = np.zeros((100, 200, 3), np.uint8)
    boxes, scores, labels = od.detect_pretrained(fake_detector, image, min_score=0.5)
    assert seen == {"shape": (1, 100, 200, 3), "dtype": "uint8"}
    assert labels == ["dog"]
    assert scores.tolist() == [0.9]
    assert np.allclose(boxes, [[10, 40, 50, 120]])


def test_detector_output_grid():
    model = od.build_detector()
    assert model.output_shape == (None, od.GRID, od.GRID, 1 + len(od.CLASSES) + 4)


def test_nms_is_class_agnostic():
    """Two cells claim one object with different classes: NMS keeps only the better box."""
    k = len(od.CLASSES)
    pred = np.full((od.GRID, od.GRID, 1 + k + 4), -10.0)
    for (gy, gx), cls, logit in (((2, 2), 0, 5.0), ((2, 3), 1, 4.0)):
        pred[gy, gx, 0] = logit  # objectness
        pred[gy, gx, 1 + cls] = 10.0  # class
        pred[gy, gx, 1 + k : 3 + k] = 0.0  # centre of the cell
        pred[gy, gx, 3 + k :] = 0.5  # half the frame high and wide: the boxes overlap

    class FakeDetector:
        def predict(self, frames, **kwargs):
            return np.repeat(pred[None], len(frames), axis=0)

    frames = np.zeros((1, od.FRAME, od.FRAME), "float32")
    ((raw_boxes, _, raw_classes),) = od.detect(FakeDetector(), frames, nms=False)
    ((boxes, _, classes),) = od.detect(FakeDetector(), frames)
    assert sorted(raw_classes.tolist()) == [0, 1]
    assert od.iou(raw_boxes[0], raw_boxes[1])[0, 0] > od.NMS_IOU
    assert len(boxes) == 1
    assert classes.tolist() == [0]  # the square's box was suppressed by the disc's


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nms_by_hand_keeps_what_tensorflow_keeps(seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(10, 54, (30, 2))
    sizes = rng.uniform(6, 20, (30, 1))
    boxes = np.hstack([centres - sizes / 2, centres + sizes / 2])
    scores = rng.uniform(0, 1, 30)
    for threshold in (0.1, 0.4, 0.9):
        by_hand = od.nms_by_hand(boxes, scores, iou_threshold=threshold)
        library = od.non_max_suppression(boxes, scores, iou_threshold=threshold)
        assert by_hand.tolist() == library.tolist()


def test_nms_by_hand_on_the_figure_example():
    boxes = np.array([c[0] for c in od.NMS_EXAMPLE])
    scores = np.array([c[1] for c in od.NMS_EXAMPLE])
    assert od.nms_by_hand(boxes, scores).tolist() == [0, 3]  # the best box of each object
    assert od.nms_by_hand(boxes, scores, iou_threshold=1.0).tolist() == [0, 3, 1, 2, 4]


def rectangles(ax, ls=None):
    from matplotlib.patches import Rectangle

    found = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
    return [p for p in found if ls is None or p.get_linestyle() == ls]


def test_draw_iou_nms_shows_the_overlap_and_the_fate_of_every_box():
    import matplotlib.pyplot as plt

    fig = od.draw_iou_nms()
    ax_iou, ax_nms = fig.axes
    texts = [t.get_text() for t in ax_iou.texts]
    assert sorted(texts) == ["A", "A ∩ B", "B"]
    assert ax_iou.get_title() == "IoU = 300 / 1500 = 0.20"
    assert len(rectangles(ax_iou)) == 2  # the outlines of A and B
    assert len(ax_iou.patches) == 5  # two fills, two outlines, the intersection
    # two boxes kept (solid), three dropped for overlap (dashed), one for its score (dotted)
    assert len(rectangles(ax_nms, "-")) == 2
    assert len(rectangles(ax_nms, "--")) == 3
    assert len(rectangles(ax_nms, ":")) == 1
    assert sorted(t.get_text() for t in ax_nms.texts) == sorted(
        f"{c[1]:.2f}" for c in od.NMS_EXAMPLE
    )
    legend = [t.get_text() for t in ax_nms.get_legend().get_texts()]
    assert legend == ["kept", "dropped: overlaps a kept box", "dropped: score too low"]
    plt.close(fig)


def test_draw_detector_stages_shows_cells_anchors_and_proposals():
    import matplotlib.pyplot as plt

    k = len(od.CLASSES)
    pred = np.full((od.GRID, od.GRID, 1 + k + 4), -10.0)
    pred[..., 0] = np.linspace(-6, 6, od.GRID * od.GRID).reshape(od.GRID, od.GRID)
    pred[..., 3 + k :] = 0.4  # boxes larger than a cell: neighbours overlap
    pred[2, 3, 0], pred[2, 3, 1] = 8.0, 10.0  # a confident disc
    pred[6, 1, 0], pred[6, 1, 2] = 7.0, 10.0  # a confident square
    image = np.zeros((od.FRAME, od.FRAME), "float32")
    fig = od.draw_detector_stages(image, pred, n_proposals=8)
    one, two = fig.axes[:2]
    assert len(one.collections[0].get_offsets()) == od.GRID * od.GRID  # a dot per cell
    _, scores, _ = od.decode(pred)
    shaded = [p for p in one.patches if p.get_fill()]
    assert len(shaded) == int((scores > od.SCORE_THRESHOLD).sum())
    assert len(rectangles(one, "--")) == 3  # the anchors of one cell
    assert len(rectangles(two, "--")) == 8  # the proposals
    kept = rectangles(two, "-")
    assert 0 < len(kept) == len(two.texts) < 8  # NMS removed some proposals
    assert {"disc", "square"} <= {t.get_text() for t in two.texts}
    plt.close(fig)


def test_draw_boxes_keeps_the_labels_of_overlapping_boxes_apart():
    import matplotlib.pyplot as plt

    from mlbook.plotting import figure_problems

    fig, ax = plt.subplots(figsize=(3, 3))
    boxes = np.array([od.box_of(30, 30, 16), od.box_of(31, 32, 16), od.box_of(29, 31, 15)])
    od.draw_boxes(ax, np.zeros((od.FRAME, od.FRAME)), boxes, ["0.91", "0.84", "0.77"])
    assert [t.get_text() for t in ax.texts] == ["0.91", "0.84", "0.77"]  # one label each
    renderer = fig.canvas.get_renderer()
    extents = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(extents) for b in extents[i + 1 :])
    assert figure_problems(fig) == []
    plt.close(fig)


def test_track_strip_stacks_rows_and_passes_the_figure_check():
    import matplotlib.pyplot as plt

    from mlbook.plotting import figure_problems

    video = od.make_video(16, seed=0)
    tracks = [list(enumerate(boxes, start=1)) for boxes in video.boxes]  # the true boxes
    fig = od.plot_track_strip(video, tracks, list(range(0, 14, 2)))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 7
    assert len(fig.axes) == 8  # two rows of four, the last one hidden
    assert [t.get_text() for t in shown[0].texts] == ["1", "2", "3"]
    assert figure_problems(fig) == []
    plt.close(fig)


def test_precision_per_frame_counts_matched_boxes_and_skips_empty_frames():
    truth = [np.array([box(20, 20)]), np.array([box(20, 20)])]
    dets = [
        (np.array([box(20, 20), box(50, 50)]), np.ones(2), np.zeros(2, int)),
        (np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)),
    ]
    got = od.precision_per_frame(truth, dets)
    assert got[0] == pytest.approx(0.5)
    assert np.isnan(got[1])
    assert od.recall_per_frame(truth, dets).tolist() == [1.0, 0.0]


def test_errors_per_frame_add_up_to_evaluate_tracking():
    video = od.make_video(12, seed=3)
    # a tracker fed the true boxes, one frame of object 1 missing and IDs 0/1 swapped later
    tracks = []
    for t, (tb, ids) in enumerate(zip(video.boxes, video.ids)):
        out = []
        for b, i in zip(tb, ids):
            if t == 4 and i == 1:
                continue
            out.append((int(1 - i) if t >= 8 and i < 2 else int(i), b))
        tracks.append(out)
    s = od.evaluate_tracking(video, tracks)
    errors = od.errors_per_frame(video, tracks)
    assert errors.sum() == s["misses"] + s["false_positives"] + s["id_switches"]
    assert errors[4] == 1  # the miss
    assert errors[8] == 2  # both IDs switch
    assert errors.sum() == 3


def test_loss_per_scene_averages_to_the_batch_loss_of_single_scenes():
    import keras

    keras.utils.set_random_seed(0)
    model = od.build_detector()
    x, boxes, classes = od.random_scenes(3, seed=0)
    y = od.encode_targets(boxes, classes)
    per_scene = od.loss_per_scene(model, x, y)
    assert per_scene.shape == (3,)
    pred = model.predict(x[:1, ..., None], verbose=0)
    assert per_scene[0] == pytest.approx(float(od.detection_loss(y[:1], pred)), rel=1e-5)


def test_mota_on_videos_pairs_the_two_trackers_on_the_same_videos():
    import keras

    keras.utils.set_random_seed(0)
    model = od.build_detector()
    motion, plain = od.mota_on_videos(model, 2, 5, seed=1)
    assert len(motion) == len(plain) == 2
    assert all(m <= 1 for m in motion + plain)
