"""Indexes the points sweep reads by, on tables other areas own.

The sweep follows rows past its marks (``PointsMark``) by their stamps; these indexes are
declared here, with the migrations that made them (``points_1302`` to ``points_1305``), so the
areas that own the tables need not know about points. ``rentals.models`` imports this
module with every table, so the schema check and Alembic see them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index

from rentals.inspections.models import RectificationOrder
from rentals.portal.models import MoveOutReport, TenantDeclaration
from rentals.ratings.models import Rating
from rentals.selfservice.models import ResidenceRegistration


def _index(name: str, table: Any, *columns: str) -> Index:
    return Index(name, *(table.__table__.c[c] for c in columns))


INDEXES = (
    _index("ix_rectification_order_closed_at", RectificationOrder, "closed_at"),
    _index("ix_tenant_declaration_decided_at", TenantDeclaration, "decided_at"),
    _index("ix_move_out_report_decided_at", MoveOutReport, "decided_at"),
    _index("ix_residence_registration_updated_at", ResidenceRegistration, "updated_at"),
    _index("ix_rating_status_rated_at", Rating, "status", "rated_at"),
)
