"""booktools.reprs: outputs that show a Python repr instead of typeset text."""

import nbformat
import pytest

from booktools import reprs


@pytest.mark.parametrize(
    "text",
    [
        "np.float64(0.9555555555555556)",
        "{'precision': 0.7619047619047619}",
        "namespace(train_size=6000, epochs=2)",
        "1.6479654330048277e-07",
        "<pandas.io.formats.style.Styler at 0x7f737c139290>",
    ],
)
def test_reprs_are_found(text):
    assert reprs.reprs_in_text(text)


@pytest.mark.parametrize("text", ["97.3 %", "Epoch 1/5 - loss: 0.2931", "tf.Tensor(15, shape=()"])
def test_typeset_text_is_not_a_repr(text):
    assert reprs.reprs_in_text(text) == []


def test_only_visible_outputs_count():
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell(
        "d",
        outputs=[
            nbformat.v4.new_output("execute_result", data={"text/plain": "{'a': 0.123456789012}"})
        ],
    )
    glued = nbformat.v4.new_code_cell(
        "glue",
        outputs=[
            nbformat.v4.new_output(
                "display_data", data={"text/plain": "np.float64(0.5)"}, metadata={"scrapbook": {}}
            )
        ],
    )
    hidden = nbformat.v4.new_code_cell(
        "h",
        metadata={"tags": ["remove-cell"]},
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="namespace(a=1)")],
    )
    nb.cells = [shown, glued, hidden]
    found = reprs.notebook_reprs(nb)
    assert [index for index, _ in found] == [0, 0]  # the dict and its long decimal


def test_glued_numpy_scalars_are_found():
    nb = _glued(("bad", "text/plain", "np.float64(0.24)"), ("good", "text/plain", "0.24"))
    assert reprs.glued_numpy_scalars(nb) == [(0, "bad")]


def _glued(*pairs):
    prefix = "application/papermill.record/"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "glue",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={prefix + mime: value},
                    metadata={"scrapbook": {"name": name, "mime_prefix": prefix}},
                )
                for name, mime, value in pairs
            ],
        )
    ]
    return nb


def test_glued_markdown_syntax_is_found_unless_glued_as_markdown():
    nb = _glued(
        ("bad", "text/plain", "'the beginning of **overfitting**'"),
        ("code", "text/plain", "'call `fit` first'"),
        ("fine", "text/plain", "'a plain sentence, 2 * 3 = 6'"),
        ("md", "text/markdown", "the beginning of **overfitting**"),
        ("power", "text/plain", "0.25"),
    )
    assert reprs.glued_markup(nb) == [(0, "bad"), (0, "code")]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the beginning of **overfitting**, the", True),
        ("use `model.fit` here", True),
        ("see [the docs](https://x.org)", True),
        ("2 * 3 * 4 and a*b", False),
        ("plain prose with 95 % intervals", False),
    ],
)
def test_markup_in_rendered_prose(text, found):
    assert bool(reprs.markup_in_text(text)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a difference of +0.0 points", True),
        ("changed by \u22120.0 %", True),
        ("a gain of -0 points", True),
        ("a difference of +0.04 points", False),
        ("between 10.0 % and 20.0 %", False),
        ("0 points: the same result on every example", False),
    ],
)
def test_signed_zeros_are_found(text, found):
    assert bool(reprs.signed_zeros_in_text(text)) is found


def test_log_noise_in_visible_outputs_is_found():
    nb = nbformat.v4.new_notebook()
    noisy = "WARNING:tensorflow:5 out of the last 5 calls triggered tf.function retracing.\n"
    nb.cells = [
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", text=noisy)]),
        nbformat.v4.new_code_cell(
            "y",
            metadata={"tags": ["remove-cell"]},
            outputs=[nbformat.v4.new_output("stream", text=noisy)],
        ),
        nbformat.v4.new_code_cell("z", outputs=[nbformat.v4.new_output("stream", text="ok\n")]),
    ]
    found = reprs.notebook_log_noise(nb)
    assert [index for index, _ in found] == [0]
    assert found[0][1].startswith("WARNING:tensorflow:5 out of the last 5 calls")
