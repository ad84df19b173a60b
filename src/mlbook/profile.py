"""Execution profiles: one switch, ``MLBOOK_PROFILE``, chooses how much work a page does.

``full``
    The published site: the seed's settings (e.g. 10 epochs on all of MNIST).
``quick``
    Tests and author previews: subsets and fewer epochs; every cell still runs.

Each topic module keeps its own settings table, a mapping ``{profile: {name: value}}``,
and the chapter picks its row with :func:`settings`. Chapters never type epochs or
subset sizes themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace
from typing import Any

ENV_VAR = "MLBOOK_PROFILE"
PROFILES = ("full", "quick")
DEFAULT = "full"


class ProfileError(ValueError):
    """An unknown profile name, or a settings table that does not cover every profile."""


@dataclass(frozen=True)
class Profile:
    """The active execution profile.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"quick"``.
    """

    name: str

    @property
    def is_quick(self) -> bool:
        """Whether this is the quick profile."""
        return self.name == "quick"

    def pick(self, table: Mapping[str, Mapping[str, Any]]) -> SimpleNamespace:
        """Return this profile's row of a settings table as attributes."""
        check_table(table)
        return SimpleNamespace(**dict(table[self.name]))


def get_profile(name: str | None = None) -> Profile:
    """Read the profile from *name* or from ``$MLBOOK_PROFILE`` (default ``full``).

    Raises
    ------
    ProfileError
        If the name is not one of :data:`PROFILES`.
    """
    raw = name if name is not None else os.environ.get(ENV_VAR, DEFAULT)
    value = raw.strip().lower()
    if value not in PROFILES:
        raise ProfileError(
            f"Unknown profile {raw!r} (from {'argument' if name is not None else ENV_VAR}). "
            f"Choose one of {', '.join(PROFILES)}: e.g. `{ENV_VAR}=quick make book` "
            "for a fast preview or `make book` for the published (full) site."
        )
    return Profile(value)


def check_table(table: Mapping[str, Mapping[str, Any]]) -> None:
    """Check that a settings table has a row for every profile, all with the same keys."""
    missing = [p for p in PROFILES if p not in table]
    if missing:
        raise ProfileError(f"settings table has no row for profile(s) {missing}")
    keys = {p: set(table[p]) for p in PROFILES}
    reference = keys[PROFILES[0]]
    for p, k in keys.items():
        if k != reference:
            raise ProfileError(
                f"profile {p!r} settings differ in keys from {PROFILES[0]!r}: "
                f"{sorted(k ^ reference)}"
            )


def settings(table: Mapping[str, Mapping[str, Any]], name: str | None = None) -> SimpleNamespace:
    """Shorthand for ``get_profile(name).pick(table)``."""
    return get_profile(name).pick(table)


def freeze(table: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    """Validate a module's settings table and make it read-only (call at definition)."""
    check_table(table)
    return MappingProxyType({p: MappingProxyType(dict(row)) for p, row in table.items()})
