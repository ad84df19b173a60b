"""Lighthouse's phone check on the built site (issue 31): part of ``make test``.

The pages of :data:`booktools.lighthouse.PAGES` (the intro, two chapters, the project)
loaded with Lighthouse's mobile defaults (slow 4G, a 4x slower CPU) from a local gzip
server. Scores move from run to run on a busy machine, so the median of up to five runs
counts, and a page's runs stop as soon as three agree (the others could not change the
median). ``make lighthouse`` runs the same check on every page of the published site.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]


def test_pages_open_fast_and_accessible_on_a_phone(built_site, chromium_path):
    from booktools.lighthouse import measure, problems, table

    results = measure(built_site, ROOT, runs=5)
    print(table(results))
    assert problems(results) == [], table(results)
