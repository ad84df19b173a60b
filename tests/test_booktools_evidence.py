"""booktools.evidence: claims on constants and choices on test data are reported."""

from __future__ import annotations

import pytest

from booktools import evidence
from conftest import MYST_FRONT_MATTER
from mlbook.page import ClaimError, by_design


def page(*cells: str) -> str:
    body = "\n\nSome prose.\n\n".join(f"```{{code-cell}} ipython3\n{c}\n```" for c in cells)
    return f"{MYST_FRONT_MATTER}\n# A page\n\n{body}\n"


SETUP = """\
from mlbook import page, regularization as rg
run = page.start()
cfg = run.profile.pick(rg.SETTINGS)
full = rg.SETTINGS["full"]"""


@pytest.mark.parametrize(
    "condition",
    [
        "cfg.units < 128",
        'full["epochs"] > cfg.epochs and rg.DROPOUT == 0.5',
        "len(cfg.techniques) == 6",
        "run.profile.name == 'full'",
        "n_rows == 8",  # bound to a literal in the cell below
        "all(t in cfg.techniques for t in ('baseline', 'L2'))",
    ],
)
def test_a_claim_on_settings_and_constants_is_reported(condition):
    text = page(SETUP, f"n_rows = 8\nclaim({condition}, 'the sentence')")
    found = evidence.constant_claims(text)
    assert [(f.cell, f.line, f.kind) for f in found] == [(2, 2, "constant claim")]
    assert "'the sentence'" in found[0].text


@pytest.mark.parametrize(
    "cell",
    [
        "model = rg.fit_technique('L2', cfg)\nclaim(model.score() > 0.9, 's')",
        "acc = {}\nfor t in cfg.techniques:\n    acc[t] = rg.fit(t)\nclaim(acc['L2'] > 0.5, 's')",
        "rows = []\nrows.append(rg.fit('L2'))\nclaim(len(rows[0]) > 1, 's')",
        "a, b = rg.pair()\nclaim(a > b, 's')",
        "gaps = {t: rg.gap(t) for t in cfg.techniques}\nclaim(max(gaps.values()) < 1, 's')",
        "h = rg.fit('x')\nclaim(h['accuracy'][-1] - cfg.units > 0, 's')",
    ],
)
def test_a_claim_on_a_computed_result_passes(cell):
    assert evidence.constant_claims(page(SETUP, cell)) == []


def test_by_design_checks_settings_without_calling_them_evidence():
    text = page(SETUP, "by_design(cfg.units < 128, 'a narrower layer than the notes')")
    assert evidence.constant_claims(text) == []
    by_design(True, "fine")
    with pytest.raises(ClaimError, match="settings contradict the sentence"):
        by_design(False, "five rows of five digits")


SPLIT = """\
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)"""


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("best = table['test accuracy'].idxmax()", "idxmax picks on test data"),
        ("best = test_scores.argmax()", "argmax picks on test data"),
        ("best = max(names, key=lambda n: acc_test[n])", "max picks on test data"),
        ("t = table.sort_values('test accuracy')", "sort_values picks on test data"),
        ("s = cross_val_score(m, X, y, cv=5)", "the test part is inside its folds"),
        ("s = cross_validate(m, X_test, y_test)", "is given test data"),
        ("search = GridSearchCV(m, grid)\nsearch.fit(X, y)", "the test part is inside"),
        ("GridSearchCV(m, grid).fit(X, y)", "the test part is inside its folds"),
    ],
)
def test_a_choice_on_test_data_is_reported(cell, problem):
    found = evidence.test_choices(page(SPLIT, cell))
    assert len(found) == 1, found
    assert found[0].kind == "choice on test data"
    assert problem in found[0].text


@pytest.mark.parametrize(
    "cell",
    [
        "best = table['validation accuracy'].idxmax()",
        "pred = model.predict(x_test).argmax(axis=1)",
        "pred = np.argmax(model.predict(x_test), axis=1)",
        "s = cross_val_score(m, X_train, y_train, cv=5)",
        "GridSearchCV(m, grid).fit(X_train, y_train)",
        "# not a choice: runs the notes' code as printed\ns = cross_val_score(m, X, y)",
        "s = cross_val_score(m, X, y)  # not a choice: shows what the folds are",
    ],
)
def test_choosing_on_validation_predicting_and_waived_demos_pass(cell):
    assert evidence.test_choices(page(SPLIT, cell)) == []


def test_without_a_split_cross_validation_on_all_data_is_no_choice_on_test():
    assert evidence.test_choices(page("s = cross_val_score(m, X, y, cv=5)")) == []


def test_the_command_line_lists_findings_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.md"
    bad.write_text(page(SETUP, "claim(cfg.units < 128, 'narrow')"), encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text(page(SETUP), encoding="utf-8")
    assert evidence.main([str(good)]) == 0
    assert evidence.main([str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert "bad.md" in out
    assert "good.md" not in out
    assert "constant claim" in out


def test_the_book_has_no_constant_claim_and_no_choice_on_test_data():
    """Every chapter: each claim checks a computed result; nothing is chosen on test data."""
    from booktools.toc import executed_pages
    from conftest import ROOT

    found = evidence.check(executed_pages(ROOT))
    assert {page: [str(f) for f in fs] for page, fs in found.items()} == {}
