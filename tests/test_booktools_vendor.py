from booktools import vendor
from conftest import ROOT


def test_vendored_javascript_is_present_and_unchanged():
    assert vendor.check(ROOT) == []


def test_every_file_belongs_to_a_pinned_package():
    assert {spec for spec, _, _ in vendor.FILES} == set(vendor.INTEGRITY)
    assert all(len(digest) == 64 for _, _, digest in vendor.FILES)


def test_a_patch_must_find_its_text_exactly_once(monkeypatch):
    import pytest

    from booktools import vendor

    key = ("pkg@1", "package/a.js")
    monkeypatch.setitem(vendor.PATCHES, key, [("new(A())", "new(A())({x:1})", "why")])
    assert vendor.patch(*key, b"var a=new(A());") == b"var a=new(A())({x:1});"
    assert vendor.patch("other@1", "package/b.js", b"untouched") == b"untouched"
    with pytest.raises(ValueError, match="not found once"):
        vendor.patch(*key, b"var a=new(A()),b=new(A());")
