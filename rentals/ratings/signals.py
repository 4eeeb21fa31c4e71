"""Signals of the ratings area, for the areas that follow from a rating.

``rating_appended`` is sent by ``services.rate_inspection`` inside its transaction, after
the rating row and the unit's mirror columns are flushed, with ``rating`` and ``now``.
``rentals.incentives.measures`` listens (measures and, later, points): ratings must not
import the areas built on it, so the dependency points one way.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
rating_appended = _signals.signal("rating-appended")
