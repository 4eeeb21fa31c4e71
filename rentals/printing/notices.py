"""Rectification notices (整改通知书): one page per rectification order.

``order_notices`` turns ``RectificationOrder`` rows into ``Notice`` values: the hazard is
the scorecard item's text (Chinese and Tibetan) from the version the inspection used, the
rule is the item's code and text, plus deadline, unit, landlord and issuing body.
``select_orders`` picks the open orders of one order, a unit or an area.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlmodel import Session, select

from rentals import clock
from rentals.auth.models import User
from rentals.errors import NotFound
from rentals.inspections.models import Inspection, OrderStatus, RectificationOrder
from rentals.printing import render
from rentals.printing.fields import N_
from rentals.ratings.models import ScorecardVersion
from rentals.ratings.services import card_of
from rentals.register.models import Area, Community, Person, Unit

TEMPLATE = "print/notice.html"
#: Why nothing was printed (msgids; the page flashes them, the CLI prints them).
NO_OPEN_ORDERS = N_("这户没有未完成的整改通知，无需打印。")
NO_OPEN_ORDERS_AREA = N_("该区域没有未完成的整改通知，无需打印。")


@dataclass(frozen=True)
class Notice:
    number: str
    unit_code: str
    address: str
    landlord_name: str
    hazard: str
    rule: str
    deadline: date
    inspector: str
    issuer: str
    issued: date
    hazard_bo: str = ""


def select_orders(
    session: Session,
    *,
    unit: Unit | None = None,
    area: str | None = None,
    order_id: int | None = None,
    area_ids: list[int] | None = None,
) -> list[RectificationOrder]:
    """Open orders of one order id, one unit or one area (by name), in route order.

    Raises NotFound with a clear message when there is nothing open to print.
    """
    query = (
        select(RectificationOrder)
        .join(Unit, Unit.id == RectificationOrder.unit_id)
        .join(Area, Area.id == Unit.area_id)
        .where(RectificationOrder.status == OrderStatus.OPEN)
    )
    if unit is not None:
        query = query.where(RectificationOrder.unit_id == unit.id)
    if order_id is not None:
        query = query.where(RectificationOrder.id == order_id)
    if area_ids is not None:  # the areas the printing user may see
        query = query.where(Area.id.in_(area_ids))  # type: ignore[union-attr]
    if area:
        named = select(Area.id).where(Area.name == area)
        if area_ids is not None:
            named = named.where(Area.id.in_(area_ids))  # type: ignore[union-attr]
        if session.exec(named).first() is None:
            raise NotFound(N_("没有这个区域。"), field="area")
        query = query.where(Area.name == area)
    orders = list(
        session.exec(
            query.order_by(
                Area.name,
                Unit.street,
                Unit.house_number,
                Unit.code,
                RectificationOrder.deadline,
                RectificationOrder.id,
            )
        )
    )
    if not orders:
        raise NotFound(NO_OPEN_ORDERS_AREA if area and unit is None else NO_OPEN_ORDERS)
    return orders


def order_notices(session: Session, orders: Sequence[RectificationOrder]) -> list[Notice]:
    """One ``Notice`` per order (a handful of queries for the whole batch, none per order)."""
    if not orders:
        return []
    unit_ids = {o.unit_id for o in orders}
    inspection_ids = {o.inspection_id for o in orders}
    units = {
        unit.id: (unit, person, community)
        for unit, person, community in session.exec(
            select(Unit, Person, Community)
            .join(Area, Area.id == Unit.area_id)
            .join(Community, Community.id == Area.community_id)
            .outerjoin(Person, Person.id == Unit.landlord_id)
            .where(Unit.id.in_(unit_ids))  # type: ignore[union-attr]
        ).all()
    }
    inspections = {
        inspection.id: (inspection, version, user)
        for inspection, version, user in session.exec(
            select(Inspection, ScorecardVersion, User)
            .join(ScorecardVersion, ScorecardVersion.id == Inspection.scorecard_version_id)
            .outerjoin(User, User.id == Inspection.inspector_id)
            .where(Inspection.id.in_(inspection_ids))  # type: ignore[union-attr]
        ).all()
    }
    zone = clock.zone()
    notices = []
    for order in orders:
        unit, person, community = units[order.unit_id]
        inspection, version, inspector = inspections[order.inspection_id]
        card = card_of(version)
        if card.has_item(order.item_code):
            texts = card.item(order.item_code).texts
            hazard, hazard_bo = texts.zh, texts.bo or ""
        else:  # a code the card lacks (should not happen): print the code and the note
            hazard, hazard_bo = order.note or order.item_code, ""
        title = card.title.zh
        notices.append(
            Notice(
                number=f"ZG-{order.id:06d}",
                unit_code=unit.code,
                address=unit.address,
                landlord_name=person.name if person else "",
                hazard=hazard,
                hazard_bo=hazard_bo,
                rule=f"《{title}》第 {order.item_code} 项：{hazard}",
                deadline=order.deadline,
                inspector=inspector.display_name if inspector else "",
                issuer=community.issuer or community.name,
                issued=order.created_at.astimezone(zone).date(),
            )
        )
    return notices


def render_notices(
    notices: Sequence[Notice],
    *,
    printed: date,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Several notices in one PDF: one document each (each notice is a paper of its own,
    its page counter starts at 1), rendered on every core and joined."""
    contexts = [{**asdict(n), "printed": printed} for n in notices]
    return render.render_pdf_chunks(
        TEMPLATE, contexts, locale=("zh_Hans_CN", "bo"), workers=workers, progress=progress
    )
