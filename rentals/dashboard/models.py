"""The dashboard's aggregates: counts kept up to date as rows change, never scanned per view.

Every row counts *active* units (and what happened at them) under their *current* area, so
a figure for any scope is a sum over the rows of its areas. ``aggregates`` keeps them; the
``rentals dashboard rebuild`` command recomputes them from the raw rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from rentals import modelbase  # noqa: F401  (naming convention first)

#: ``stars`` key for a unit not yet rated (a primary key column cannot hold NULL).
NO_STARS = -1
#: ``inspector_id`` key of a task nobody is assigned to.
NOBODY = 0


class DashboardUnits(SQLModel, table=True):
    """Active units per area and current state: rating, stars, and the newest completed
    inspection's outcome items (F1 met; S2 and S3 met)."""

    __tablename__ = "dashboard_units"
    area_id: int = Field(primary_key=True)
    rating_status: str = Field(primary_key=True, max_length=16)
    #: Unit.stars, NO_STARS for NULL.
    stars: int = Field(primary_key=True)
    #: The unit has a completed inspection.
    inspected: bool = Field(primary_key=True)
    fire: bool = Field(primary_key=True)
    registered: bool = Field(primary_key=True)
    units: int = 0


class DashboardMonth(SQLModel, table=True):
    """Events per area and local day or month: ``metric`` names what is counted.

    Monthly metrics (``day`` = the month's first day): ``completed``, ``refused``,
    ``rising``, ``falling``, ``incidents``, ``incidents_victim`` and ``state:<status>``, the
    net change of rated units in that state during the month (the month-end split is the
    current split less the changes of the months after it). Daily: ``visits`` (every visit).
    """

    __tablename__ = "dashboard_month"
    area_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=24)
    n: int = 0


class DashboardTask(SQLModel, table=True):
    """Tasks that are not cancelled, per area, inspector, due date and done or not.

    Kept by database triggers on ``task`` (the planner writes tasks with driver-level
    statements no ORM event sees); a unit's move or withdrawal is applied by ``aggregates``.
    Overdue is "not done and due before today", so the hourly overdue marking changes nothing
    here."""

    __tablename__ = "dashboard_task"
    area_id: int = Field(primary_key=True)
    #: NOBODY when unassigned.
    inspector_id: int = Field(primary_key=True)
    due: date = Field(primary_key=True)
    done: bool = Field(primary_key=True)
    n: int = 0


class DashboardMove(SQLModel, table=True):
    """Each unit's rise (+1) or fall (-1) over a local month: its stars now (or at the
    month's end) against its stars before the month; no row when they are equal or the
    unit was not rated before. Kept with the ``rising``/``falling`` counts of
    ``dashboard_month``, so the list behind them is one index range of the month."""

    __tablename__ = "dashboard_move"
    __table_args__ = (Index("ix_dashboard_move_month", "month", "direction", "unit_id"),)
    unit_id: int = Field(primary_key=True)
    #: The month's first day.
    month: date = Field(primary_key=True)
    direction: int
