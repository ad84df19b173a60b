import io

import numpy as np
import pytest

from mlbook import object_detection as od
from mlbook import video as vid


@pytest.fixture(scope="module")
def scene():
    return od.make_video(12, seed=0)


def test_a_written_video_reads_back_with_its_frame_count_and_size(tmp_path, scene):
    path = vid.write_video(tmp_path / "scene.avi", scene.frames, fps=10)
    frames = vid.read_video(path)
    assert frames.shape == (12, od.FRAME, od.FRAME, 3)
    assert frames.dtype == np.uint8
    # FFV1 is lossless: the frames come back as written, rounded to 8 bits
    assert np.array_equal(frames[..., 0], vid.to_bgr(scene.frames)[..., 0])


def test_vp8_webm_is_a_real_lossy_vp8_file(tmp_path, scene):
    path = vid.write_video(tmp_path / "scene.webm", scene.frames, fourcc="VP80")
    data = path.read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3"  # EBML, the Matroska/WebM header
    assert b"webm" in data[:64]
    assert b"V_VP8" in data  # the codec ID of the video track
    frames = vid.read_video(path)
    assert frames.shape == (12, od.FRAME, od.FRAME, 3)
    assert not np.array_equal(frames[..., 0], vid.to_bgr(scene.frames)[..., 0])


def test_the_pinned_opencv_writes_vp8_and_ffv1_but_no_h264():
    """What the detection page says about the encoders of OpenCV's own FFmpeg."""
    assert vid.can_write("VP80", ".webm")
    assert vid.can_write("FFV1", ".avi")
    assert vid.can_write("mp4v", ".mp4")  # MPEG-4 part 2: written, but not for browsers
    assert not any(vid.can_write(tag, ".mp4") for tag in ("avc1", "H264", "X264"))


def test_missing_or_unreadable_video_gives_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No video file at"):
        vid.open_video(tmp_path / "missing.mp4")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    with pytest.raises(ValueError, match=r"cannot read .* as a video"):
        vid.read_video(broken)


def test_draw_tracks_puts_the_track_colours_where_the_boxes_are():
    frame = np.zeros((64, 64, 3), np.uint8)
    box = np.array([20.0, 10.0, 40.0, 30.0])
    out = vid.draw_tracks(frame, [(1, box), (3, box + 20)], scale=4)
    assert out.shape == (256, 256, 3)
    one, three = vid.track_colour(1), vid.track_colour(3)
    assert one != three
    assert tuple(out[120, 40]) == one  # the left edge of box 1 (x=10 -> 40)
    assert tuple(out[160, 80]) == one  # its bottom edge (y=40 -> 160)
    assert tuple(out[200, 120]) == three  # the left edge of box 3 (x=30 -> 120)
    assert tuple(out[120, 80]) == (0, 0, 0)  # inside box 1: the frame, untouched


class GridModel:
    """Stand in for the detector: one confident cell whose box is the frame's true box."""

    def __init__(self, box):
        k = len(od.CLASSES)
        self.pred = np.full((1, od.GRID, od.GRID, 1 + k + 4), -10.0, "float32")
        cy, cx = od.centre(box)[0]
        gy, gx = int(cy // od.CELL), int(cx // od.CELL)
        t = np.clip([cy / od.CELL - gy, cx / od.CELL - gx], 1e-3, 1 - 1e-3)
        self.pred[0, gy, gx, :3] = [10, 10, -10]
        self.pred[0, gy, gx, 1 + k : 3 + k] = np.log(t / (1 - t))
        self.pred[0, gy, gx, 3 + k :] = [(box[2] - box[0]) / od.FRAME, (box[3] - box[1]) / od.FRAME]
        self.calls = 0

    def predict_on_batch(self, batch):
        assert batch.shape == (1, od.FRAME, od.FRAME, 1)
        assert batch.dtype == np.float32
        assert 0 <= batch.min()
        assert batch.max() <= 1
        self.calls += 1
        return self.pred


def test_the_loop_detects_tracks_and_draws_every_frame(tmp_path, scene):
    path = vid.write_video(tmp_path / "scene.avi", scene.frames)
    box = od.box_of(30, 30, 16)
    model = GridModel(box)
    annotated, tracks = vid.track_video(path, model, od.IoUTracker(), scale=4)
    assert model.calls == len(annotated) == len(tracks) == 12
    assert all(len(out) == 1 and out[0][0] == 1 for out in tracks)  # one track, ID 1
    ((_, found),) = tracks[0]
    assert od.iou(found, box)[0, 0] > 0.95
    y0, x0, y1, x1 = np.round(found * 4).astype(int)
    colour = vid.track_colour(1)
    for frame in annotated:
        assert frame.shape == (256, 256, 3)
        assert tuple(frame[(y0 + y1) // 2, x0]) == colour
        assert tuple(frame[y1, (x0 + x1) // 2]) == colour


def test_the_gif_keeps_the_track_colours_and_the_frame_budget():
    from PIL import Image

    frames = [np.full((64, 64, 3), 40 * (i % 5), np.uint8) for i in range(40)]
    frames = [vid.draw_tracks(f, [(2, np.array([10.0, 10, 30, 30]))]) for f in frames]
    data, shown = vid.to_gif(frames, fps=10, max_frames=30)
    assert shown == 20  # every second frame ...
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF"
    assert gif.n_frames == 20
    assert gif.info["duration"] == 200  # ... shown twice as long
    assert "loop" not in gif.info  # 4 s: no loop count, it plays once
    b, g, r = vid.track_colour(2)
    for i in (0, 7, 19):
        gif.seek(i)
        rgb = np.array(gif.convert("RGB"))
        assert tuple(rgb[80, 40]) == (r, g, b)  # the left edge of the box (x=10 -> 40)


def _frames(n):
    # consecutive frames differ, so Pillow does not merge them into one longer frame
    return [np.full((16, 16, 3), 40 * (i % 5), np.uint8) for i in range(n)]


@pytest.mark.parametrize(
    ("n_frames", "loop", "plays", "seconds_per_play"),
    [
        (10, 4, 5, 1.0),  # 1 s a play: loop count 4, five plays in browsers, 5 s
        (12, 3, 4, 1.2),  # four plays of 1.2 s fit in 5 s, five would not
        (30, None, 1, 3.0),  # two plays of 3 s would not fit: no loop count
        (60, None, 1, 4.8),  # 6 s at the video's speed: one play, sped up to 4.8 s
    ],
)
def test_the_gif_plays_a_bounded_number_of_times(n_frames, loop, plays, seconds_per_play):
    from PIL import Image

    data, _ = vid.to_gif(_frames(n_frames), fps=10)
    gif = Image.open(io.BytesIO(data))
    assert gif.info.get("loop") == loop  # never 0, which loops forever
    assert vid.gif_timing(data) == pytest.approx((seconds_per_play, plays))
    assert seconds_per_play * plays <= vid.GIF_MAX_SECONDS


def test_gif_timing_reads_the_loop_count_as_browsers_do():
    from PIL import Image

    images = [Image.fromarray(f) for f in _frames(4)]
    for loop, plays in ((0, None), (1, 2), (2, 3)):
        buffer = io.BytesIO()
        images[0].save(
            buffer, format="GIF", save_all=True, append_images=images[1:], duration=50, loop=loop
        )
        assert vid.gif_timing(buffer.getvalue()) == (0.2, plays)
