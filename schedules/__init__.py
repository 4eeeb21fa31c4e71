"""Inspection schedules, pure: rating -> cadence -> periods -> the tasks a unit needs.

Nothing in this package (except ``jobs``, the database edge, which is not
imported here) imports Flask, SQLAlchemy or ``rentals``, or reads the clock:
``today`` is always an argument. Laws are listed in each module.
"""

from schedules.cadence import Cadence, Stars, cadence_for
from schedules.periods import (
    BUSINESS_TIMEZONE,
    Period,
    local_today,
    period_for,
    period_from_key,
    period_of,
)
from schedules.planner import (
    ExistingTask,
    TaskStatus,
    UnitPlan,
    apply_plan,
    four_week_workload,
    history_cutoff,
    plan_unit,
    plan_units,
)
from schedules.staleness import is_stale, reinspection_due, stale_before

__all__ = [
    "BUSINESS_TIMEZONE",
    "Cadence",
    "ExistingTask",
    "Period",
    "Stars",
    "TaskStatus",
    "UnitPlan",
    "apply_plan",
    "cadence_for",
    "four_week_workload",
    "history_cutoff",
    "is_stale",
    "local_today",
    "period_for",
    "period_from_key",
    "period_of",
    "plan_unit",
    "plan_units",
    "reinspection_due",
    "stale_before",
]
