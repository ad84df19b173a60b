from mlbook import vendor


def test_vendored_javascript_is_present_and_unchanged():
    assert vendor.check() == []


def test_every_file_belongs_to_a_pinned_package():
    assert {spec for spec, _, _ in vendor.FILES} == set(vendor.INTEGRITY)
    assert all(len(digest) == 64 for _, _, digest in vendor.FILES)
