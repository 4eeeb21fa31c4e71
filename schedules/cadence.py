"""How often a unit is inspected, by its star rating.

Laws:
- three stars -> monthly, two -> fortnightly (half months), one -> weekly;
- a unit not rated by veto (0) and one not yet rated (None) are weekly: both
  are at least as risky as a one-star unit;
- any other value is a ValueError, never a silent default.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Cadence", "Stars", "cadence_for"]

#: A rating as the planner sees it: 1-3 stars, 0 for "not rated" (veto),
#: None for "not yet rated" (no inspection yet).
Stars = int | None


class Cadence(StrEnum):
    """The length of an inspection period; the value is stored as text."""

    MONTHLY = "monthly"
    FORTNIGHTLY = "fortnightly"
    WEEKLY = "weekly"

    @property
    def per_four_weeks(self) -> int:
        """Inspections in four weeks, the brief's staffing figure (1, 2 or 4).

        Also ranks cadences: a larger number is a faster cadence.
        """
        return _PER_FOUR_WEEKS[self]


_PER_FOUR_WEEKS = {Cadence.MONTHLY: 1, Cadence.FORTNIGHTLY: 2, Cadence.WEEKLY: 4}

_CADENCE_BY_STARS: dict[int | None, Cadence] = {
    3: Cadence.MONTHLY,
    2: Cadence.FORTNIGHTLY,
    1: Cadence.WEEKLY,
    0: Cadence.WEEKLY,
    None: Cadence.WEEKLY,
}


def cadence_for(stars: Stars) -> Cadence:
    """The cadence for a rating; raises ValueError for anything but 0-3 or None."""
    # bool is an int (True == 1) and 3.0 hashes like 3: refuse both explicitly.
    if stars is not None and (isinstance(stars, bool) or not isinstance(stars, int)):
        raise ValueError(f"stars must be an int 0-3 or None, not {stars!r}")
    try:
        return _CADENCE_BY_STARS[stars]
    except KeyError:
        raise ValueError(f"stars must be 0-3 or None, not {stars!r}") from None
