"""The measures a rating carries (rewards for three stars, penalties for one star and not
rated), as the landlord and staff read them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from rentals.incentives.blacklist import LISTED, NOTICE_DAYS
from scoring import RatingStatus

REWARDS = {
    RatingStatus.THREE.value: [
        _l("优先向租客推荐（公开推荐名单）"),
        _l("发放消防器材和日用品礼包"),
        _l("优先推荐参评“优秀双联户”"),
    ],
}
PENALTIES_ONE = [
    _l("减少停车位分配"),
    _l("失去“双联户”评选资格"),
]
PENALTIES_NOT_RATED = [
    _l("依法依规处理，每周至少检查一次"),
    _l("减少停车位分配"),
    _l("失去“双联户”评选资格"),
]


def effects(status: str, blacklist: dict[str, Any]) -> list[Any]:
    """Rewards or penalties in effect, as text derived from the rating and the blacklist."""
    if status in REWARDS:
        return list(REWARDS[status])
    if status not in LISTED:
        return []
    lines: list[Any] = []
    if blacklist.get("listed"):
        lines.append(_l("已在黑榜公示（自 %(d)s 起）", d=blacklist["since"].isoformat()))
    elif blacklist.get("pending_from"):
        lines.append(
            _l(
                "已告知：如复核未获支持，将于 %(d)s 起在黑榜公示",
                d=blacklist["pending_from"].isoformat(),
            )
        )
    else:
        lines.append(_l("告知房东 %(n)s 天后在黑榜公示", n=NOTICE_DAYS))
    lines.extend(PENALTIES_NOT_RATED if status == RatingStatus.NOT_RATED else PENALTIES_ONE)
    return lines
