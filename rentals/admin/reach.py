"""Who may manage what: an admin everything (the CLI acts with an admin's reach); a
manager the areas of their own communities and the inspector and landlord accounts
there, never admins or other managers. Anything out of reach is "not found"."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, select

from rentals.auth.access import area_scope, community_scope
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.errors import InvalidInput, NotAllowed, NotFound
from rentals.register.models import Area, Community, Unit

#: Roles a manager may give and manage; an admin manages every role.
MANAGER_MANAGES = (Role.INSPECTOR.value, Role.LANDLORD.value)


def default_public_url() -> str:
    """The installation's public address (RENTALS_PUBLIC_BASE_URL)."""
    from flask import current_app

    return str(current_app.config["PUBLIC_BASE_URL"])


def is_admin(actor: User | None) -> bool:
    """The CLI acts as the system (None), with an admin's reach."""
    return actor is None or actor.role == Role.ADMIN


def communities_for(session: Session, actor: User | None) -> list[Community]:
    query = select(Community).order_by(Community.name)
    if not is_admin(actor):
        query = query.where(community_scope(actor))  # type: ignore[arg-type]
    return list(session.exec(query))


def areas_for(session: Session, actor: User | None) -> list[Area]:
    query = select(Area).order_by(Area.community_id, Area.name)
    if not is_admin(actor):
        query = query.where(area_scope(actor))  # type: ignore[arg-type]
    return list(session.exec(query))


def managed_users_scope(actor: User | None) -> ColumnElement[bool]:
    """SQL condition on ``User``: the accounts ``actor`` may see and change here."""
    if is_admin(actor):
        return true()
    assert actor is not None
    if actor.role != Role.MANAGER:
        return false()
    own = select(UserCommunity.community_id).where(UserCommunity.user_id == actor.id)
    own_areas = select(Area.id).where(Area.community_id.in_(own))
    in_community = select(UserCommunity.user_id).where(UserCommunity.community_id.in_(own))
    in_areas = select(UserArea.user_id).where(UserArea.area_id.in_(own_areas))
    landlords = select(Unit.landlord_id).where(Unit.area_id.in_(own_areas))
    return User.role.in_(MANAGER_MANAGES) & or_(  # type: ignore[attr-defined]
        User.id.in_(in_community),  # type: ignore[union-attr]
        User.id.in_(in_areas),  # type: ignore[union-attr]
        User.person_id.in_(landlords),  # type: ignore[union-attr]
    )


def community_or_404(session: Session, actor: User | None, community_id: int) -> Community:
    query = select(Community).where(Community.id == community_id)
    if not is_admin(actor):
        query = query.where(community_scope(actor))  # type: ignore[arg-type]
    community = session.exec(query).first()
    if community is None:
        raise NotFound(_l("没有这个社区。"))
    return community


def area_or_404(session: Session, actor: User | None, area_id: int) -> Area:
    query = select(Area).where(Area.id == area_id)
    if not is_admin(actor):
        query = query.where(area_scope(actor))  # type: ignore[arg-type]
    area = session.exec(query).first()
    if area is None:
        raise NotFound(_l("没有这个区域。"))
    return area


def user_or_404(session: Session, actor: User | None, user_id: int) -> User:
    user = session.exec(select(User).where(User.id == user_id, managed_users_scope(actor))).first()
    if user is None:
        raise NotFound(_l("没有这个账号。"))
    return user


def check_reach(
    session: Session,
    actor: User | None,
    *,
    role: str,
    community_ids: Sequence[int],
    area_ids: Sequence[int],
) -> None:
    """The role, communities and areas must all be within what ``actor`` manages."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("未知的角色。"), field="role")
    if is_admin(actor):
        known_c = set(session.exec(select(Community.id).where(Community.id.in_(community_ids))))  # type: ignore[union-attr]
        known_a = set(session.exec(select(Area.id).where(Area.id.in_(area_ids))))  # type: ignore[union-attr]
    else:
        if role not in MANAGER_MANAGES:
            raise NotAllowed(_l("社区管理员只能管理巡查员和房东账号。"), field="role")
        known_c = {c.id for c in communities_for(session, actor)}
        known_a = {a.id for a in areas_for(session, actor)}
    if not set(community_ids) <= known_c:
        raise NotFound(_l("没有这个社区。"), field="communities")
    if not set(area_ids) <= known_a:
        raise NotFound(_l("没有这个区域。"), field="areas")
