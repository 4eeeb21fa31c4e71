"""Who may see what: role checks for routes and the unit scope every query applies.

An admin sees everything, a manager the communities they belong to, an inspector the
areas they serve and a landlord only their own units; anything outside the scope answers
404, so a URL does not even confirm that a unit exists. This module is the one home of
that rule: lists, files, tasks, prints and exports all filter through it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, String, and_, cast, false, or_, true
from sqlmodel import Session, select

from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.errors import NotAllowed
from rentals.extensions import login_manager
from rentals.register.models import Area, Community, Tenancy, Unit

F = TypeVar("F", bound=Callable[..., Any])

STAFF = (Role.INSPECTOR, Role.MANAGER, Role.ADMIN)
OFFICE = (Role.MANAGER, Role.ADMIN)
#: Roles that may ask to see a full identity number (each reveal is audited).
MAY_REVEAL = (Role.INSPECTOR, Role.MANAGER, Role.ADMIN)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Anonymous visitors go to the login page; signed-in users of other roles get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def require_owner(actor: User, unit: Unit) -> None:
    """Only the unit's own landlord may file for it (tenant changes, contests, replies)."""
    if (
        actor.role != Role.LANDLORD
        or actor.person_id is None
        or unit.landlord_id != actor.person_id
    ):
        raise NotAllowed(_l("只有该房屋的房东可以这样做。"))


def _community_ids(user: User) -> Any:
    return select(UserCommunity.community_id).where(UserCommunity.user_id == user.id)


def community_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Community``: every one for an admin, a manager's own, an
    inspector's (those of the areas they serve), none for anyone else."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.MANAGER:
        return Community.id.in_(_community_ids(user))  # type: ignore[union-attr]
    if user.role == Role.INSPECTOR:
        served = select(Area.community_id).where(
            Area.id.in_(select(UserArea.area_id).where(UserArea.user_id == user.id))  # type: ignore[union-attr]
        )
        return Community.id.in_(served)  # type: ignore[union-attr]
    return false()


def area_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Area``: an admin's every area, a manager's communities' areas,
    the areas an inspector serves."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.MANAGER:
        return Area.community_id.in_(_community_ids(user))
    if user.role == Role.INSPECTOR:
        return Area.id.in_(select(UserArea.area_id).where(UserArea.user_id == user.id))  # type: ignore[union-attr]
    return false()


def unit_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Unit`` limiting rows to what ``user`` may see."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.MANAGER:
        areas = select(Area.id).where(Area.community_id.in_(_community_ids(user)))
        return Unit.area_id.in_(areas)
    if user.role == Role.INSPECTOR:
        areas = select(UserArea.area_id).where(UserArea.user_id == user.id)
        return Unit.area_id.in_(areas)
    if user.role == Role.LANDLORD and user.person_id is not None:
        return Unit.landlord_id == user.person_id
    return false()


def can_see_unit(session: Session, user: User, unit: Unit) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.LANDLORD:
        return user.person_id is not None and unit.landlord_id == user.person_id
    found = session.exec(select(Unit.id).where(Unit.id == unit.id, unit_scope(user))).first()
    return found is not None


def event_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``AuditEvent`` for the audit page: an admin reads every event; a
    manager the events of the people of their communities (staff linked to them, the
    landlords of their units) and the events about their units, the people of those
    units (landlords, tenants), those accounts and their communities; nobody else reads
    the trail. System events about other things (plaques, jobs) are for admins."""
    from rentals.audit.models import AuditEvent

    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.MANAGER:
        return false()
    own = _community_ids(user)
    own_areas = select(Area.id).where(Area.community_id.in_(own))
    people = (
        select(UserCommunity.user_id)
        .where(UserCommunity.community_id.in_(own))
        .union(
            select(UserArea.user_id).where(UserArea.area_id.in_(own_areas)),
            select(User.id).where(
                User.person_id.in_(select(Unit.landlord_id).where(Unit.area_id.in_(own_areas)))  # type: ignore[union-attr]
            ),
        )
    )
    in_scope = select(Unit.id).where(Unit.area_id.in_(own_areas))
    units = select(cast(Unit.id, String)).where(Unit.area_id.in_(own_areas))
    persons = (
        select(cast(Unit.landlord_id, String))
        .where(Unit.area_id.in_(own_areas), Unit.landlord_id.is_not(None))  # type: ignore[union-attr]
        .union(select(cast(Tenancy.person_id, String)).where(Tenancy.unit_id.in_(in_scope)))
    )
    users = select(cast(people.subquery().c[0], String))
    communities = select(cast(UserCommunity.community_id, String)).where(
        UserCommunity.user_id == user.id
    )
    return or_(
        AuditEvent.actor_id.in_(people),
        and_(AuditEvent.subject_type == "unit", AuditEvent.subject_id.in_(units)),
        and_(AuditEvent.subject_type == "person", AuditEvent.subject_id.in_(persons)),
        and_(AuditEvent.subject_type == "user", AuditEvent.subject_id.in_(users)),
        and_(AuditEvent.subject_type == "community", AuditEvent.subject_id.in_(communities)),
    )


def covering_unit_scope(session: Session, user: User) -> ColumnElement[bool]:
    """``unit_scope``, or ``true()`` when the user sees every area there is (an admin, or
    a manager of every community), so a count can skip the join that applies it."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.MANAGER:
        hidden = select(Area.id).where(~area_scope(user)).limit(1)
        if session.exec(hidden).first() is None:
            return true()
    return unit_scope(user)


def visible_area_ids(session: Session, user: User) -> list[int]:
    """Ids of the areas ``user`` may see (prints and background jobs carry these)."""
    return list(session.exec(select(Area.id).where(area_scope(user))))
