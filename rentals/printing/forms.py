"""Forms of the manager's print page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp


class PlaqueForm(FlaskForm):
    area = SelectField(_l("区域"), choices=[], validate_choice=False)
    unit = StringField(_l("单个出租房编号"), validators=[Optional(), Length(max=32)])
    changed = BooleanField(_l("只打印评定变化的"))
    size = SelectField(_l("纸张"), choices=[SelectChoice("A5"), SelectChoice("A4")])


class RosterForm(FlaskForm):
    area = SelectField(_l("区域"), choices=[], validators=[DataRequired()])
    start = DateField(_l("开始日期"), validators=[DataRequired()])
    end = DateField(_l("结束日期"), validators=[DataRequired()])
    inspector = StringField(_l("检查人账号"), validators=[Optional(), Length(max=64)])


class BlacklistForm(FlaskForm):
    month = StringField(
        _l("月份"),
        validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$", message=_l("格式：YYYY-MM"))],
    )


class NoticeForm(FlaskForm):
    area = SelectField(_l("区域"), choices=[], validators=[DataRequired()])
