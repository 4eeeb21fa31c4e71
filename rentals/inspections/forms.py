"""Checklist, signature and note forms.

The checklist's fixed fields (client key, latest inspection id, outcome, visit note) are a
Flask-WTF form, which also carries CSRF; the per-item fields depend on the scorecard
version and are read by ``read_items`` with the same names the template writes:
``a_<code>`` answer, ``n_<code>`` note, ``o_<code>`` open an order, ``d_<code>`` its
deadline, ``s_<code>`` serious, ``p_<code>`` photos, ``v_<code>`` a veto.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from rentals.inspections.models import Outcome
from rentals.inspections.services import OrderRequest
from scoring import Item, Scorecard

OUTCOME_LABELS = {
    Outcome.COMPLETED: _l("完成检查"),
    Outcome.REFUSED: _l("房东拒绝检查"),
    Outcome.NO_ACCESS: _l("无人在家，未能入户"),
    Outcome.UNIT_GONE: _l("房屋已不存在或不再出租"),
}
#: What a task asks for, as the result page names the next visit.
TASK_KIND_LABELS = {
    "routine": _l("例行检查"),
    "follow_up": _l("整改复查"),
    "reinspection": _l("申请复查"),
}
ANSWER_LABELS = {"met": _l("符合"), "not_met": _l("不符合"), "na": _l("不适用")}


class ChecklistForm(FlaskForm):
    client_key = HiddenField(validators=[DataRequired(), Length(max=64)])
    latest_id = IntegerField(validators=[Optional()])
    outcome = RadioField(
        _l("检查结果"),
        choices=[SelectChoice(k.value, v) for k, v in OUTCOME_LABELS.items()],
        default=Outcome.COMPLETED.value,
    )
    note = TextAreaField(_l("本次检查备注"), validators=[Optional(), Length(max=2000)])
    #: The refusal step: required (checked in ``refusal_errors``) only for a refusal.
    refusal_reason = TextAreaField(_l("拒绝检查的原因"), validators=[Optional(), Length(max=2000)])
    refusal_confirm = BooleanField(_l("我确认房东拒绝检查，这户将被定为不予评定"))

    def refusal_errors(self) -> dict[str, Any]:
        """Field name -> message when a refusal lacks its reason or its confirmation."""
        if self.outcome.data != Outcome.REFUSED:
            return {}
        errors: dict[str, Any] = {}
        if not (self.refusal_reason.data or "").strip():
            errors["refusal_reason"] = _l("请填写房东拒绝检查的原因。")
        if not self.refusal_confirm.data:
            errors["refusal_confirm"] = _l("请勾选确认：房东拒绝检查。")
        return errors


class SignatureForm(FlaskForm):
    signer = HiddenField(validators=[DataRequired()])
    name = StringField(_l("签字人姓名"), validators=[DataRequired(), Length(max=100)])
    #: PNG data URL drawn on the screen (JS); without JS the typed name and the box.
    drawing = HiddenField(validators=[Optional(), Length(max=400_000)])
    confirm = BooleanField(_l("我确认以上检查记录属实"))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("本次检查备注"), validators=[Optional(), Length(max=2000)])


@dataclass
class ItemsRead:
    answers: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    vetoes: list[str] = field(default_factory=list)
    orders: list[OrderRequest] = field(default_factory=list)
    #: Field name -> message, shown next to the field.
    errors: dict[str, Any] = field(default_factory=dict)


def read_items(
    data: Any, card: Scorecard, items: list[Item], *, require: bool, today: date
) -> ItemsRead:
    """The per-item answers of a posted checklist; ``require``: every item needs an answer."""
    out = ItemsRead()
    for item in items:
        answer = data.get(f"a_{item.code}", "")
        allowed = {"met", "not_met", *(["na"] if item.na_allowed else [])}
        if answer in allowed:
            out.answers[item.code] = answer
        elif answer or require:
            out.errors[f"a_{item.code}"] = _l("请选择符合、不符合或不适用。")
        note = (data.get(f"n_{item.code}", "") or "").strip()[:500]
        if note:
            out.notes[item.code] = note
        if answer == "not_met" and data.get(f"o_{item.code}"):
            deadline = None
            raw = (data.get(f"d_{item.code}", "") or "").strip()
            if raw:
                try:
                    deadline = date.fromisoformat(raw)
                except ValueError:
                    out.errors[f"d_{item.code}"] = _l("请填写有效的日期。")
                else:
                    if deadline < today:
                        out.errors[f"d_{item.code}"] = _l("整改期限不能早于今天。")
            out.orders.append(
                OrderRequest(
                    item_code=item.code,
                    deadline=deadline,
                    serious=bool(data.get(f"s_{item.code}")),
                    note=note,
                )
            )
    out.vetoes = [veto.code for veto in card.vetoes if data.get(f"v_{veto.code}")]
    return out
