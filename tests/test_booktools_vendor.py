from booktools import vendor
from conftest import ROOT


def test_vendored_javascript_is_present_and_unchanged():
    assert vendor.check(ROOT) == []


def test_every_file_belongs_to_a_pinned_package():
    assert {spec for spec, _, _ in vendor.FILES} == set(vendor.INTEGRITY)
    assert all(len(digest) == 64 for _, _, digest in vendor.FILES)
