"""Communities and their areas: names in both languages, the issuer and police station
printed on plaques, the public address plaque QR codes open, who serves each area.
Every change is audited (``admin.community.*``, ``admin.area.*``); services flush."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, select

from rentals import audit
from rentals.admin.reach import area_or_404, community_or_404, is_admin, managed_users_scope
from rentals.auth.models import Role, User, UserArea
from rentals.errors import Conflict, InvalidInput, NotAllowed, NotFound
from rentals.register.models import Area, Community


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
    if not is_admin(actor):
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
