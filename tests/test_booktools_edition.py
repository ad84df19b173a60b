"""The notebook edition (booktools.edition): a toy page built by Sphinx with myst-nb.

The toy page uses every kind of directive and role the book uses; its edition must show
none of them raw, carry the included function's source, fold the removed cells, and run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from booktools import edition
from conftest import MYST_FRONT_MATTER as FRONT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


PAGE = (
    FRONT
    + r"""
(toy)=
# Toy chapter

::::{admonition} In this chapter
:class: chapter-goals

**You will learn** the $\ell_2$ norm; see {ref}`other` and {doc}`other`.

This page ran with {glue:text}`answer:.2f` as the answer, {fact}`60 000` images and
the notes' {notes}`97.94 %`.
::::

```{code-cell} ipython3
:tags: [hide-input]

from myst_nb import glue
import toy
```

## Equations

$$
\lVert x \rVert_2 = \sqrt{\textstyle\sum_i x_i^2}
$$ (norm)

The norm {eq}`norm` is computed by `toy.norm`:

```{literalinclude} toy.py
:pyobject: norm
```

```{math}
:label: square
y = x^2
```

See {eq}`square` and the section {ref}`toy-results`.

```{code-cell} ipython3
value = toy.norm([3, 4])
print(value)
```

```{code-cell} ipython3
:tags: [remove-cell]

glue("answer", value, display=False)
assert value == 5
```

(toy-results)=
## Results

:::{admonition} Erratum: the notes' `norm`
:class: erratum warning

The notes square *twice*:

```python
sum(x**2)**2
```
:::

:::{note}
A plain note with a [link](https://example.org).
:::

| setting | value |
|---|---:|
| depth | {glue:text}`answer:.0f` |

```{code-cell} ipython3
:tags: [remove-output]

import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [0, 1])
```

```{code-cell} ipython3
:tags: [remove-cell]

glue("fig_line", fig, display=False)
from IPython.display import Markdown
glue("table_md", Markdown("**bold** result"), display=False)
```

```{glue:figure} fig_line
:name: fig-line
:alt: A straight line from (0, 0) to (1, 1).

A line.
```

{numref}`fig-line` shows a line; {glue:md}`table_md`.

## Exercises

````{exercise} Predict
:label: ex-predict

What is `toy.norm([6, 8])`?
````

````{solution} ex-predict
:class: dropdown

It is {glue:text}`answer:.0f` times two: **10**.
````

````{exercise}
:label: ex-run

Run it.
````

````{solution-start} ex-run
:class: dropdown
````

The call:

```{code-cell} ipython3
print(toy.norm([6, 8]))
```

prints 10.

````{solution-end}
````
"""
)

OTHER = "(other)=\n# Other page\n\nText.\n"
INDEX = "# Book\n\n```{toctree}\ntoy\nother\n```\n"
TOY_PY = '''def helper():
    return 1


def norm(x):
    """The Euclidean norm."""
    return sum(v * v for v in x) ** 0.5
'''
REQUIREMENTS = "\n".join(f"{dist}==1.0" for dist in sorted(set(edition.NEEDED_MODULES.values())))

CONF = """
import sys
sys.path.insert(0, {src!r})
extensions = ["myst_nb", "sphinx_exercise", "booktools.sphinx_prose", "booktools.sphinx_edition"]
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]
nb_execution_mode = "force"
nb_execution_raise_on_error = True
numfig = True
html_theme = "sphinx_book_theme"
html_theme_options = {{
    "repository_url": "https://github.com/example-org/example-book",
    "launch_buttons": {{
        "binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"
    }},
}}
mlbook_commit = "0123456789abcdef0123456789abcdef01234567"
suppress_warnings = ["mystnb.unknown_mime_type"]
"""


class BuildFailed(Exception):
    """The toy book's Sphinx build failed (its output is the message)."""


def build(tmp_path: Path, page: str = PAGE) -> Path:
    """Build the toy book with warnings as errors; return its HTML output folder.

    In a process of its own: myst-nb, once set up in a process, changes how later Sphinx
    test apps there parse ``.md`` (the other Sphinx tests use myst-parser alone).
    """
    src = tmp_path / "book"
    src.mkdir()
    files = {"index.md": INDEX, "toy.md": page, "other.md": OTHER, "toy.py": TOY_PY}
    files["requirements.txt"] = REQUIREMENTS
    for name, text in files.items():
        (src / name).write_text(text)
    (src / "conf.py").write_text(CONF.format(src=str(src)))
    html = src / "_build" / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src), str(html)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise BuildFailed(proc.stdout + proc.stderr)
    return html


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # the book's kernels draw inline (kernels.py)
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        html = build(tmp_path_factory.mktemp("edition"))
    nb = json.loads((html / "_sources" / "toy.ipynb").read_text())
    return html, nb


def markdown(nb) -> str:
    return "\n\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "markdown")


def test_the_edition_is_a_valid_notebook(built):
    import nbformat

    nbformat.validate(nbformat.from_dict(built[1]))  # ids and all (nbformat 4.5)


def test_no_raw_myst_reaches_the_markdown(built):
    _, nb = built
    text = markdown(nb)
    assert edition.raw_myst(text) == []
    for token in ("{glue", "{ref}", "{eq}", "{exercise}", ":class:", ":pyobject:", "(toy)="):
        assert token not in text, token


def test_included_function_is_shown_as_its_source(built):
    text = markdown(built[1])
    assert '```python\ndef norm(x):\n    """The Euclidean norm."""' in text
    assert "def helper" not in text  # only the named function


def test_glued_values_are_the_published_run(built):
    text = markdown(built[1])
    expected = "ran with 5.00 as the answer, 60 000 images and the notes’ 97.94 %"
    assert expected in text.replace("'", "’")
    assert "| depth | 5 |" in text
    assert "**bold** result" in text


def test_admonitions_are_quotes_with_their_title(built):
    text = markdown(built[1])
    assert "> **In this chapter**" in text
    assert "> **Erratum: the notes’ `norm`**" in text.replace("'", "’")
    assert "> ```python\n> sum(x\\*\\*2)\\*\\*2" not in text  # code is never escaped
    assert "> ```python\n> sum(x**2)**2\n> ```" in text
    assert "> **Note**" in text
    assert "[link](https://example.org)" in text


def test_equations_keep_their_numbers_and_refs_become_links(built):
    text = markdown(built[1])
    assert re.search(r"\$\$\n.*\\tag\{1\}\n\$\$", text)
    assert "\\tag{2}" in text
    assert "The norm (1) is computed" in text
    assert "See (2) and the section Results." in text
    assert "[Other page](https://example-org.github.io/example-book/other.html)" in text


def test_glued_figure_is_an_attachment_with_its_numbered_caption(built):
    _, nb = built
    cell = next(c for c in nb["cells"] if "attachments" in c)
    ((name, bundle),) = cell["attachments"].items()
    assert len(bundle["image/png"]) > 100
    assert f"![A straight line from (0, 0) to (1, 1).](attachment:{name})" in cell["source"]
    assert "**Fig. 1** A line." in cell["source"]
    assert "Fig. 1 shows a line" in markdown(nb)


def test_exercises_are_numbered_and_solutions_folded(built):
    _, nb = built
    text = markdown(nb)
    assert "> **Exercise 1 (Predict)**" in text
    assert "<details>\n<summary>Solution to Exercise 1 (Predict)</summary>" in text
    assert "It is 5 times two: **10**." in text
    assert "> **Exercise 2**" in text
    # a solution with a code cell: its markdown folded, the cell folded
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    solution_cell = next(c for c in code if "toy.norm([6, 8])" in c["source"])
    assert solution_cell["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


def test_every_code_cell_is_kept_in_order_removed_ones_folded(built):
    _, nb = built
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0]["metadata"]["tags"] == [edition.INSTALL_TAG]
    page_code = code[1:]
    assert len(page_code) == 6
    assert "import toy" in page_code[0]["source"]
    assert page_code[0]["metadata"]["jupyter"] == {"source_hidden": True}
    glue_cell = page_code[2]
    assert glue_cell["source"].startswith('glue("answer"')
    assert glue_cell["metadata"]["tags"] == ["remove-cell"]
    assert glue_cell["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert page_code[3]["metadata"]["jupyter"] == {"outputs_hidden": True}
    assert any("5.0" in "".join(o.get("text", "")) for o in page_code[1]["outputs"])  # kept


def test_install_cell_pins_the_commit_and_the_packages(built):
    _, nb = built
    install = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert install["metadata"]["tags"] == [edition.INSTALL_TAG]
    assert nb["cells"][0]["source"].startswith("# Toy chapter")  # the title comes first
    source = install["source"]
    repo = "https://github.com/example-org/example-book"
    assert f'"mlbook": "mlbook @ git+{repo}@0123456789abcdef' in source
    assert '"sklearn": "scikit-learn==1.0"' in source
    assert 'os.environ.setdefault("MLBOOK_PROFILE", "quick")' in source
    compile(source, "install", "exec")


def test_the_set_up_cell_says_how_to_choose_the_full_profile(built, monkeypatch, capsys):
    """Its comment's instruction works where ``start`` already chose quick (Binder)."""
    _, nb = built
    source = next(c for c in nb["cells"] if c["cell_type"] == "code")["source"]
    line = 'os.environ["MLBOOK_PROFILE"] = "full"'
    assert line in source  # the comment gives the line to use
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")  # Binder's `start`
    edited = source.replace('os.environ.setdefault("MLBOOK_PROFILE", "quick")', line, 1)
    exec(edited, {})  # everything it would install is installed here
    assert capsys.readouterr().out.strip().endswith("Profile: full")


def test_buttons_open_the_edition(built):
    html, _ = built
    page = (html / "toy.html").read_text()
    assert (
        "https://mybinder.org/v2/gh/example-org/example-book/notebooks?urlpath=lab/tree/toy.ipynb"
        in page
    )
    assert (
        "https://colab.research.google.com/github/example-org/example-book/blob/notebooks/toy.ipynb"
        in page
    )
    assert "_sources/toy.ipynb" in page


def test_a_construct_the_edition_cannot_render_fails_with_page_and_line(tmp_path):
    page = (
        FRONT + "# Toy\n\n```{code-cell} ipython3\nx = 1\n```\n\nA term\n: its definition\n\n"
        "```{topic} A topic\nText.\n```\n"
    )
    with pytest.raises(BuildFailed, match=r"toy.*:\d+: the notebook edition cannot render"):
        build(tmp_path, page)


def test_the_install_cell_says_what_to_run_when_it_cannot_install(monkeypatch):
    import importlib.util
    import subprocess

    source = edition.install_source("https://github.com/o/r", "abc123", REQUIREMENTS)
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")  # restored after the cell's setdefault
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # nothing installed
    calls = []
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(cmd, 1),
    )
    with pytest.raises(RuntimeError, match="no network") as error:
        exec(source, {})
    assert "pip install -r https://raw.githubusercontent.com/o/r/abc123/requirements.txt" in str(
        error.value
    )
    assert "pip install 'mlbook @ git+https://github.com/o/r@abc123'" in str(error.value)
    assert "make install" in str(error.value)
    assert "mlbook @ git+https://github.com/o/r@abc123" in calls[0]  # it tried to install
