"""Accounts: create with a one-time password, edit role, communities and areas, reset a
password, deactivate. Every change is audited (``admin.user.*``); a reset or a
deactivation ends the user's sessions at once. Services flush, the caller commits.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlmodel import Session, select

from rentals import audit
from rentals.admin.reach import (
    areas_for,
    check_reach,
    communities_for,
    is_admin,
    user_or_404,
)
from rentals.auth.models import Role, User, UserArea, UserCommunity
from rentals.auth.passwords import hash_password
from rentals.auth.services import create_user, end_session, normalise_login
from rentals.errors import InvalidInput, NotAllowed
from rentals.register.models import Person

#: No 0/O or 1/l/I: the password is read off paper and typed on a phone.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
ONE_TIME_LENGTH = 10


def one_time_password() -> str:
    """A random password from ``secrets`` with at least one letter and one digit."""
    while True:
        value = "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


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
    check_reach(session, actor, role=role, community_ids=community_ids, area_ids=area_ids)
    if not is_admin(actor) and role != Role.LANDLORD and not community_ids and not area_ids:
        # Otherwise the manager could not reach the account they just made.
        own = communities_for(session, actor)
        if len(own) != 1:
            raise InvalidInput(_l("请选择所属社区或负责的区域。"), field="communities")
        community_ids = [own[0].id]  # type: ignore[list-item]
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
    check_reach(session, actor, role=role, community_ids=community_ids, area_ids=area_ids)
    if (user.role == Role.LANDLORD) != (role == Role.LANDLORD):
        raise InvalidInput(_l("房东账号和工作人员账号不能互相转换。"), field="role")
    old_c, old_a = user_links(session, user)
    if is_admin(actor):
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
    end_session(session, user=user, actor=actor)
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
        end_session(session, user=user, actor=actor)
    action = "admin.user.reactivated" if active else "admin.user.deactivated"
    audit.record(session, actor, action, user, {"username": user.username})
