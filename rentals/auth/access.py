"""Who may see what: role checks for routes and the unit scope every query applies.

A landlord sees only their own units and an inspector the areas they serve; anything
outside the scope answers 404, so a URL does not even confirm that a unit exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, select

from rentals.auth.models import Role, User, UserArea
from rentals.extensions import login_manager
from rentals.register.models import Unit

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


def unit_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Unit`` limiting rows to what ``user`` may see."""
    if user.role in OFFICE:
        return true()
    if user.role == Role.INSPECTOR:
        areas = select(UserArea.area_id).where(UserArea.user_id == user.id)
        return Unit.area_id.in_(areas)
    if user.role == Role.LANDLORD and user.person_id is not None:
        return Unit.landlord_id == user.person_id
    return false()


def can_see_unit(session: Session, user: User, unit: Unit) -> bool:
    if user.role in OFFICE:
        return True
    if user.role == Role.LANDLORD:
        return user.person_id is not None and unit.landlord_id == user.person_id
    if user.role == Role.INSPECTOR:
        row = session.exec(
            select(UserArea).where(UserArea.user_id == user.id, UserArea.area_id == unit.area_id)
        ).first()
        return row is not None
    return False
