"""Forms of the incident pages: shape only; the services hold the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from rentals.incidents.models import NOTE_MAX, REASON_MAX


class IncidentForm(FlaskForm):
    #: Choices (the active kinds) are set by the view.
    kind_id = SelectField(
        _l("事件类型"), coerce=int, validators=[InputRequired(_l("请选择事件类型。"))]
    )
    occurred_on = DateField(_l("发生日期"), validators=[InputRequired(_l("请填写发生日期。"))])
    note = TextAreaField(
        _l("简要说明"),
        description=_l("写清发生了什么，不要写身份证号码。"),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
    resident_victim = BooleanField(
        _l("住户是受害人（不计入房东）"),
    )


class RetractForm(FlaskForm):
    reason = StringField(
        _l("撤销原因"),
        validators=[DataRequired(_l("请说明撤销原因。")), Length(max=REASON_MAX)],
    )


class KindForm(FlaskForm):
    """A kind of the list; ``code`` is read only when adding."""

    code = StringField(_l("代码（英文，不可更改）"), validators=[Optional(), Length(max=32)])
    name = StringField(
        _l("中文名称"), validators=[DataRequired(_l("请填写中文名称。")), Length(max=50)]
    )
    # Each name is typed in its own language, and marked so (screen readers, spell checks).
    name_bo = StringField(
        _l("藏文名称"), validators=[Optional(), Length(max=100)], render_kw={"lang": "bo"}
    )
    name_en = StringField(
        _l("英文名称"), validators=[Optional(), Length(max=50)], render_kw={"lang": "en"}
    )
    position = IntegerField(
        _l("顺序"), default=100, validators=[InputRequired(), NumberRange(0, 10000)]
    )
    active = BooleanField(_l("启用"), default=True)
