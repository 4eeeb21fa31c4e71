"""Setting a community up: communities, areas, accounts and one-time passwords.

Who may manage what: an admin everything; a manager the areas of their own communities
and the inspector and landlord accounts there, never admins or other managers. Every
change is audited (``admin.*``); services flush, the caller commits.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, false, or_, true
from sqlmodel import Session, select

from rentals import audit
from rentals.auth.access import area_scope, community_scope
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.auth.passwords import hash_password
from rentals.auth.services import create_user, end_session, normalise_login
from rentals.errors import Conflict, InvalidInput, NotAllowed, NotFound
from rentals.register.models import Area, Community, Person, Unit

#: Roles a manager may give and manage; an admin manages every role.
MANAGER_MANAGES = (Role.INSPECTOR.value, Role.LANDLORD.value)
#: No 0/O or 1/l/I: the password is read off paper and typed on a phone.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
ONE_TIME_LENGTH = 10


def one_time_password() -> str:
    """A random password from ``secrets`` with at least one letter and one digit."""
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def public_url_problem(url: str) -> str | None:
    """Why a public address is refused (shape only), or None. Empty means "the default"."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return str(_l("请填写以 http:// 或 https:// 开头的完整网址。"))
    if parts.query or parts.fragment or parts.username or parts.password:
        return str(_l("网址只能包含协议、主机和路径。"))
    return None


# --- who may manage what ------------------------------------------------------------


def default_public_url() -> str:
    """The installation's public address (RENTALS_PUBLIC_BASE_URL)."""
    from flask import current_app

    return str(current_app.config["PUBLIC_BASE_URL"])


def _is_admin(actor: User | None) -> bool:
    """The CLI acts as the system (None), with an admin's reach."""
    return actor is None or actor.role == Role.ADMIN


def communities_for(session: Session, actor: User | None) -> list[Community]:
    query = select(Community).order_by(Community.name)
    if not _is_admin(actor):
        query = query.where(community_scope(actor))  # type: ignore[arg-type]
    return list(session.exec(query))


def areas_for(session: Session, actor: User | None) -> list[Area]:
    query = select(Area).order_by(Area.community_id, Area.name)
    if not _is_admin(actor):
        query = query.where(area_scope(actor))  # type: ignore[arg-type]
    return list(session.exec(query))


def managed_users_scope(actor: User | None) -> ColumnElement[bool]:
    """SQL condition on ``User``: the accounts ``actor`` may see and change here."""
    if _is_admin(actor):
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
    if not _is_admin(actor):
        query = query.where(community_scope(actor))  # type: ignore[arg-type]
    community = session.exec(query).first()
    if community is None:
        raise NotFound(_l("没有这个社区。"))
    return community


def area_or_404(session: Session, actor: User | None, area_id: int) -> Area:
    query = select(Area).where(Area.id == area_id)
    if not _is_admin(actor):
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


def _check_reach(
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
    if _is_admin(actor):
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


# --- communities and areas ------------------------------------------------------------


@dataclass(frozen=True)
class CommunityData:
    name: str
    name_bo: str = ""
    issuer: str = ""
    police_station: str = ""
    public_url: str = ""


def _clean_community(data: CommunityData) -> CommunityData:
    name = data.name.strip()
    if not name:
        raise InvalidInput(_l("请填写社区名称。"), field="name")
    if len(name) > 100:
        raise InvalidInput(_l("名称最多 %(n)s 个字符。", n=100), field="name")
    values = {
        "name_bo": data.name_bo.strip(),
        "issuer": data.issuer.strip(),
        "police_station": data.police_station.strip(),
        "public_url": data.public_url.strip().rstrip("/"),
    }
    for field, value in values.items():
        if len(value) > 200:
            raise InvalidInput(_l("最多 %(n)s 个字符。", n=200), field=field)
    problem = public_url_problem(values["public_url"])
    if problem:
        raise InvalidInput(problem, field="public_url")
    return CommunityData(name=name, **values)


def _name_taken(session: Session, name: str, community_id: int | None) -> bool:
    found = session.exec(select(Community.id).where(Community.name == name)).first()
    return found is not None and found != community_id


def create_community(session: Session, *, actor: User | None, data: CommunityData) -> Community:
    """Only an admin creates communities (a manager edits their own)."""
    if not _is_admin(actor):
        raise NotAllowed(_l("只有系统管理员可以新建社区。"))
    data = _clean_community(data)
    if _name_taken(session, data.name, None):
        raise Conflict(_l("已有名为 %(name)s 的社区。", name=data.name), field="name")
    community = Community(**data.__dict__)
    session.add(community)
    session.flush()
    audit.record(session, actor, "admin.community.created", community, dict(data.__dict__))
    return community


def update_community(
    session: Session, *, actor: User | None, community: Community, data: CommunityData
) -> dict[str, list[str]]:
    """Change a community's names, issuer, police station and public address."""
    community = community_or_404(session, actor, community.id)  # type: ignore[arg-type]
    data = _clean_community(data)
    if _name_taken(session, data.name, community.id):
        raise Conflict(_l("已有名为 %(name)s 的社区。", name=data.name), field="name")
    changes = {}
    for key, value in data.__dict__.items():
        if getattr(community, key) != value:
            changes[key] = [getattr(community, key), value]
            setattr(community, key, value)
    if changes:
        session.add(community)
        audit.record(session, actor, "admin.community.updated", community, changes)
    return changes


def _clean_area_names(name: str, name_bo: str) -> tuple[str, str]:
    name, name_bo = name.strip(), name_bo.strip()
    if not name:
        raise InvalidInput(_l("请填写区域名称。"), field="name")
    if len(name) > 100:
        raise InvalidInput(_l("名称最多 %(n)s 个字符。", n=100), field="name")
    if len(name_bo) > 200:
        raise InvalidInput(_l("最多 %(n)s 个字符。", n=200), field="name_bo")
    return name, name_bo


def _area_taken(session: Session, community_id: int, name: str, area_id: int | None) -> bool:
    found = session.exec(
        select(Area.id).where(Area.community_id == community_id, Area.name == name)
    ).first()
    return found is not None and found != area_id


def _inspectors(session: Session, actor: User | None, ids: Iterable[int]) -> list[User]:
    ids = set(ids)
    if not ids:
        return []
    found = list(
        session.exec(
            select(User).where(
                User.id.in_(ids),  # type: ignore[union-attr]
                User.role == Role.INSPECTOR.value,
                managed_users_scope(actor),
            )
        )
    )
    if len(found) != len(ids):
        raise NotFound(_l("没有这个巡查员。"), field="inspectors")
    return found


def create_area(
    session: Session,
    *,
    actor: User | None,
    community: Community,
    name: str,
    name_bo: str = "",
    inspector_ids: Sequence[int] = (),
) -> Area:
    community = community_or_404(session, actor, community.id)  # type: ignore[arg-type]
    name, name_bo = _clean_area_names(name, name_bo)
    if _area_taken(session, community.id, name, None):  # type: ignore[arg-type]
        raise Conflict(_l("本社区已有名为 %(name)s 的区域。", name=name), field="name")
    area = Area(community_id=community.id, name=name, name_bo=name_bo)  # type: ignore[arg-type]
    session.add(area)
    session.flush()
    inspectors = _inspectors(session, actor, inspector_ids)
    for user in inspectors:
        session.add(UserArea(user_id=user.id, area_id=area.id))  # type: ignore[arg-type]
    audit.record(
        session,
        actor,
        "admin.area.created",
        area,
        {
            "community": community.name,
            "name": name,
            "name_bo": name_bo,
            "inspectors": sorted(u.username for u in inspectors),
        },
    )
    return area


def update_area(
    session: Session,
    *,
    actor: User | None,
    area: Area,
    name: str,
    name_bo: str,
    inspector_ids: Sequence[int],
) -> None:
    """Rename an area and set which inspectors serve it (others' areas stay as they are)."""
    area = area_or_404(session, actor, area.id)  # type: ignore[arg-type]
    name, name_bo = _clean_area_names(name, name_bo)
    if _area_taken(session, area.community_id, name, area.id):
        raise Conflict(_l("本社区已有名为 %(name)s 的区域。", name=name), field="name")
    chosen = {u.id for u in _inspectors(session, actor, inspector_ids)}
    current = set(
        session.exec(
            select(UserArea.user_id)
            .join(User, User.id == UserArea.user_id)
            .where(UserArea.area_id == area.id, User.role == Role.INSPECTOR.value)
        )
    )
    changes: dict[str, object] = {}
    if (area.name, area.name_bo) != (name, name_bo):
        changes["name"] = [area.name, name]
        changes["name_bo"] = [area.name_bo, name_bo]
        area.name, area.name_bo = name, name_bo
        session.add(area)
    if chosen != current:
        changes["inspectors_added"] = sorted(chosen - current)  # type: ignore[type-var]
        changes["inspectors_removed"] = sorted(current - chosen)
        session.execute(
            delete(UserArea).where(
                UserArea.area_id == area.id,
                UserArea.user_id.in_(current - chosen),  # type: ignore[attr-defined]
            )
        )
        for user_id in chosen - current:
            session.add(UserArea(user_id=user_id, area_id=area.id))  # type: ignore[arg-type]
    if changes:
        session.flush()
        audit.record(session, actor, "admin.area.updated", area, changes)


def area_inspector_ids(session: Session, area: Area) -> list[int]:
    return list(
        session.exec(
            select(UserArea.user_id)
            .join(User, User.id == UserArea.user_id)
            .where(UserArea.area_id == area.id, User.role == Role.INSPECTOR.value)
        )
    )


# --- accounts -------------------------------------------------------------------------


def add_user(
    session: Session,
    *,
    actor: User | None,
    username: str,
    role: str,
    display_name: str = "",
    community_ids: Sequence[int] = (),
    area_ids: Sequence[int] = (),
    person_id: int | None = None,
) -> tuple[User, str]:
    """A new account with a one-time password (returned once, changed at first sign-in)."""
    username = normalise_login(username)
    if not username or len(username) > 64:
        raise InvalidInput(_l("登录名应为 1 到 64 个字符。"), field="username")
    if not all(c.isalnum() or c in "._@-" for c in username):
        raise InvalidInput(_l("登录名只能包含字母、数字和 . _ @ -。"), field="username")
    display_name = display_name.strip() or username
    if len(display_name) > 100:
        raise InvalidInput(_l("名称最多 %(n)s 个字符。", n=100), field="display_name")
    _check_reach(session, actor, role=role, community_ids=community_ids, area_ids=area_ids)
    if role == Role.LANDLORD and person_id is None:
        person_id = session.exec(select(Person.id).where(Person.phone == "+86" + username)).first()
        if person_id is None:
            raise InvalidInput(
                _l(
                    "台账里没有手机号为 %(phone)s 的人员，房东账号用手机号作登录名。",
                    phone=username,
                ),
                field="username",
            )
    password = one_time_password()
    user = create_user(
        session,
        actor=actor,
        username=username,
        display_name=display_name,
        password=password,
        role=role,
        person_id=person_id,
        area_ids=tuple(area_ids),
        community_ids=tuple(community_ids),
        must_change_password=True,
    )
    audit.record(
        session,
        actor,
        "admin.user.created",
        user,
        {
            "username": user.username,
            "role": role,
            "communities": sorted(community_ids),
            "areas": sorted(area_ids),
        },
    )
    return user, password


def user_links(session: Session, user: User) -> tuple[list[int], list[int]]:
    """The user's community ids and area ids."""
    communities = list(
        session.exec(select(UserCommunity.community_id).where(UserCommunity.user_id == user.id))
    )
    areas = list(session.exec(select(UserArea.area_id).where(UserArea.user_id == user.id)))
    return sorted(communities), sorted(areas)


def update_user(
    session: Session,
    *,
    actor: User | None,
    user: User,
    role: str,
    display_name: str,
    community_ids: Sequence[int],
    area_ids: Sequence[int],
) -> dict[str, object]:
    """Change role, name, communities and areas. A manager's change reaches only the links
    within their own communities; links elsewhere are left as they are."""
    user = user_or_404(session, actor, user.id)  # type: ignore[arg-type]
    display_name = display_name.strip() or user.username
    if len(display_name) > 100:
        raise InvalidInput(_l("名称最多 %(n)s 个字符。", n=100), field="display_name")
    if actor is not None and actor.id == user.id and role != user.role:
        raise NotAllowed(_l("不能修改自己的角色。"), field="role")
    _check_reach(session, actor, role=role, community_ids=community_ids, area_ids=area_ids)
    if (user.role == Role.LANDLORD) != (role == Role.LANDLORD):
        raise InvalidInput(_l("房东账号和工作人员账号不能互相转换。"), field="role")
    old_c, old_a = user_links(session, user)
    if _is_admin(actor):
        reach_c, reach_a = set(old_c) | set(community_ids), set(old_a) | set(area_ids)
    else:
        reach_c = {c.id for c in communities_for(session, actor)}
        reach_a = {a.id for a in areas_for(session, actor)}
    new_c = (set(old_c) - reach_c) | set(community_ids)
    new_a = (set(old_a) - reach_a) | set(area_ids)
    changes: dict[str, object] = {}
    if user.role != role:
        changes["role"] = [user.role, role]
        user.role = role
    if user.display_name != display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if new_c != set(old_c):
        changes["communities"] = [old_c, sorted(new_c)]
        session.execute(delete(UserCommunity).where(UserCommunity.user_id == user.id))
        for cid in new_c:
            session.add(UserCommunity(user_id=user.id, community_id=cid))  # type: ignore[arg-type]
    if new_a != set(old_a):
        changes["areas"] = [old_a, sorted(new_a)]
        session.execute(delete(UserArea).where(UserArea.user_id == user.id))
        for aid in new_a:
            session.add(UserArea(user_id=user.id, area_id=aid))  # type: ignore[arg-type]
    if changes:
        session.add(user)
        session.flush()
        audit.record(session, actor, "admin.user.updated", user, changes)
    return changes


def reset_password(session: Session, *, actor: User | None, user: User) -> str:
    """A new one-time password (returned once); the user's sessions end."""
    user = user_or_404(session, actor, user.id)  # type: ignore[arg-type]
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    end_session(session, user=user)
    audit.record(session, actor, "admin.user.password_reset", user, {"username": user.username})
    return password


def set_active(session: Session, *, actor: User | None, user: User, active: bool) -> None:
    """Deactivate (sessions end at once) or reactivate an account."""
    user = user_or_404(session, actor, user.id)  # type: ignore[arg-type]
    if actor is not None and actor.id == user.id:
        raise NotAllowed(_l("不能停用自己的账号。"))
    if user.is_active == active:
        return
    user.is_active = active
    session.add(user)
    if not active:
        end_session(session, user=user)
    action = "admin.user.reactivated" if active else "admin.user.deactivated"
    audit.record(session, actor, action, user, {"username": user.username})


def user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalise_login(username))).first()


def person_has_login(session: Session, person: Person) -> bool:
    return session.exec(select(User.id).where(User.person_id == person.id)).first() is not None
