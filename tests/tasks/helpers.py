"""Shared arrangements for the task tests: the demo community with the Zhaxi split."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from rentals.register import demo
from rentals.register.models import Unit

ZHAXI_SPLIT = {3: 13, 2: 141, 1: 6}


def seed_zhaxi(session: Session, *, today: date = date(2027, 1, 20)) -> list[Unit]:
    """The demo community; if the demo does not rate its units yet, rate them 13/141/6."""
    demo.seed(session, today=today)
    units = list(session.exec(select(Unit).order_by(Unit.code)))
    counts = {s: sum(1 for u in units if u.stars == s) for s in ZHAXI_SPLIT}
    if counts != ZHAXI_SPLIT:
        stars = [3] * 13 + [2] * 141 + [1] * 6
        for unit, value in zip(units, stars, strict=True):
            unit.stars = value
            unit.rating_status = {3: "three", 2: "two", 1: "one"}[value]
            session.add(unit)
    session.flush()
    return units
