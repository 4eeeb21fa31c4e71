"""Every table of the app, imported in one place for Alembic and the schema check."""

from rentals.api.models import ApiToken
from rentals.audit.models import AuditEvent
from rentals.auth.models import LoginThrottle, UnlockCode, User, UserArea
from rentals.dashboard.models import DashboardMonth, DashboardTask, DashboardUnits
from rentals.incentives.models import (
    BlacklistEdition,
    BlacklistNotice,
    IncentiveVersion,
    Measure,
    MeasureEvent,
    PointsEntry,
    PointsMark,
    RedeemableMeasure,
)
from rentals.incentives.sweep_indexes import INDEXES as _SWEEP_INDEXES  # noqa: F401
from rentals.incidents.models import Incident, IncidentKind
from rentals.inspections.models import (
    Inspection,
    Photo,
    PhotoBlob,
    RectificationOrder,
    Signature,
)
from rentals.messages.models import ContactPreference, OutboxMessage
from rentals.portal.models import MoveOutReport, PublicReply, TenantDeclaration
from rentals.printing.models import Plaque, ScheduledPrint
from rentals.queue.models import Job, JobBlob, QueueData, QueueMessage
from rentals.ratings.models import Contest, Rating, ScorecardVersion
from rentals.register.models import (
    Area,
    Community,
    GramPosition,
    Person,
    Tenancy,
    Unit,
    UnitGram,
    UnitTally,
)
from rentals.selfservice.models import DoorSticker, FixProof, ResidenceRegistration
from rentals.tasks.models import CalendarFeed, Task

__all__ = [
    "ApiToken",
    "Area",
    "AuditEvent",
    "BlacklistEdition",
    "BlacklistNotice",
    "CalendarFeed",
    "IncentiveVersion",
    "PointsMark",
    "RedeemableMeasure",
    "DoorSticker",
    "FixProof",
    "GramPosition",
    "Community",
    "ContactPreference",
    "DashboardMonth",
    "DashboardTask",
    "DashboardUnits",
    "Contest",
    "Incident",
    "IncidentKind",
    "Inspection",
    "Job",
    "JobBlob",
    "LoginThrottle",
    "Measure",
    "MeasureEvent",
    "MoveOutReport",
    "OutboxMessage",
    "Photo",
    "PhotoBlob",
    "RectificationOrder",
    "Signature",
    "Person",
    "Plaque",
    "PointsEntry",
    "PublicReply",
    "QueueData",
    "QueueMessage",
    "Rating",
    "ScheduledPrint",
    "ResidenceRegistration",
    "ScorecardVersion",
    "Task",
    "TenantDeclaration",
    "Tenancy",
    "Unit",
    "UnitGram",
    "UnitTally",
    "UnlockCode",
    "User",
    "UserArea",
]
