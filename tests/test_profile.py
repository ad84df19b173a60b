import pytest

from mlbook import profile
from mlbook.profile import ProfileError, freeze, get_profile


def test_default_is_full(monkeypatch):
    monkeypatch.delenv("MLBOOK_PROFILE", raising=False)
    assert get_profile().name == "full"


@pytest.mark.parametrize(("raw", "name"), [("quick", "quick"), (" FULL ", "full")])
def test_reads_environment(monkeypatch, raw, name):
    monkeypatch.setenv("MLBOOK_PROFILE", raw)
    assert get_profile().name == name


def test_unknown_profile_message_says_what_to_do(monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "fast")
    with pytest.raises(ProfileError, match=r"'fast'.*MLBOOK_PROFILE.*full, quick"):
        get_profile()


def test_pick_returns_the_profile_row():
    table = freeze({"full": {"epochs": 10}, "quick": {"epochs": 1}})
    assert get_profile("quick").pick(table).epochs == 1
    assert profile.settings(table, "full").epochs == 10


@pytest.mark.parametrize(
    "table",
    [
        {"full": {"epochs": 10}},  # a profile missing
        {"full": {"epochs": 10}, "quick": {"epoch": 1}},  # keys differ (typo)
    ],
)
def test_incomplete_tables_are_rejected(table):
    with pytest.raises(ProfileError):
        freeze(table)


def test_frozen_table_is_read_only():
    table = freeze({"full": {"epochs": 10}, "quick": {"epochs": 1}})
    with pytest.raises(TypeError):
        table["full"]["epochs"] = 3
