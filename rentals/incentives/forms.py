"""Forms of the manager's measure actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

#: Where an action returns: the manager's list or the unit file.
BACK = ("list", "file")


class MeasureActionForm(FlaskForm):
    back = HiddenField(validators=[Optional(), AnyOf(BACK)])


class DeclineForm(MeasureActionForm):
    reason = TextAreaField(
        _l("不采取的理由"), validators=[DataRequired(_l("请写明不采取的理由。")), Length(max=500)]
    )


class RecordForm(MeasureActionForm):
    on = DateField(_l("日期"), validators=[Optional()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])
    parking_from = IntegerField(
        _l("原有车位"), validators=[Optional(), NumberRange(min=0, max=999)]
    )
    parking_to = IntegerField(
        _l("调整后车位"), validators=[Optional(), NumberRange(min=0, max=999)]
    )
    number = StringField(_l("移交文书编号"), validators=[Optional(), Length(max=40)])
