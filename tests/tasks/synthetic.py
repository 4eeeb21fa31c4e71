"""A synthetic register of many units, written with Core executemany (for big-run tests)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from rentals.register.models import Area, Community, Unit


def add_register(conn: Connection, units: int, *, prefix: str = "SYN") -> int:
    """Add a community with one area and ``units`` active units rated 3/2/1 in the Zhaxi
    proportions (13/141/6 per 160); returns the area id."""
    community_id = conn.execute(
        insert(Community.__table__).values(name=f"{prefix}-社区", name_bo="", issuer="")  # type: ignore[attr-defined]
    ).inserted_primary_key[0]
    area_id = conn.execute(
        insert(Area.__table__).values(community_id=community_id, name=f"{prefix}-区", name_bo="")  # type: ignore[attr-defined]
    ).inserted_primary_key[0]
    now = datetime.now(UTC)
    pattern = [3] * 13 + [2] * 141 + [1] * 6
    rows = [
        {
            "code": f"{prefix}-{n:07d}",
            "area_id": area_id,
            "address": f"合成路{n}号",
            "street": "合成路",
            "house_number": n,
            "unit_type": "room",
            "rooms": 1,
            "status": "active",
            "rating_status": {3: "three", 2: "two", 1: "one"}[pattern[n % 160]],
            "stars": pattern[n % 160],
            "created_at": now,
            "updated_at": now,
        }
        for n in range(units)
    ]
    for start in range(0, len(rows), 10000):
        conn.execute(insert(Unit.__table__), rows[start : start + 10000])  # type: ignore[attr-defined]
    return int(area_id)
