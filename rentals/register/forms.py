"""Forms of the unit file; field rules come from ``rentals.validators``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFValidationError

from rentals.templating import UNIT_STATUS_LABELS, UNIT_TYPE_LABELS
from rentals.validators import FieldInvalid, normalise_id_number, normalise_mobile


def choices(pairs: Any) -> list[SelectChoice]:
    """Select options from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    items = pairs.items() if hasattr(pairs, "items") else pairs
    return [SelectChoice(str(value), label) for value, label in items]


def normalised(fn: Callable[[str], str], *, optional: bool = False) -> Callable[[Any, Any], None]:
    """A WTForms validator from a validators.py function; stores the normalised value."""

    def check(_form: Any, field: Any) -> None:
        if optional and not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = fn(field.data or "")
        except FieldInvalid as err:
            raise WTFValidationError(str(err.message)) from None

    return check


class UnitForm(FlaskForm):
    code = StringField(
        _l("单元编号"), validators=[DataRequired(_l("请填写单元编号。")), Length(max=32)]
    )
    area_id = SelectField(_l("区域"), coerce=int)
    address = StringField(
        _l("地址"), validators=[DataRequired(_l("请填写地址。")), Length(max=200)]
    )
    street = StringField(_l("街巷"), validators=[Optional(), Length(max=100)])
    house_number = IntegerField(
        _l("门牌号"),
        validators=[Optional(), NumberRange(min=0, max=99999, message=_l("门牌号无效。"))],
    )
    unit_type = SelectField(_l("房屋类型"), choices=choices(UNIT_TYPE_LABELS))
    rooms = IntegerField(
        _l("房间数"),
        default=1,
        validators=[
            InputRequired(_l("请填写房间数。")),
            NumberRange(min=0, max=500, message=_l("房间数应在 0 到 500 之间。")),
        ],
    )
    floor_area = DecimalField(
        _l("面积（平方米）"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("面积无效。"))],
    )
    status = SelectField(_l("状态"), choices=choices(UNIT_STATUS_LABELS))
    landlord_id_number = StringField(
        _l("房东身份证号"),
        description=_l("填写已登记房东的身份证号码；留空表示暂无房东。"),
        validators=[normalised(normalise_id_number, optional=True)],
    )


class PersonForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=100)])
    id_number = StringField(
        _l("身份证号码"),
        description=_l("18 位，最后一位可以是 X。"),
        validators=[normalised(normalise_id_number)],
    )
    phone = StringField(_l("手机号码"), validators=[normalised(normalise_mobile, optional=True)])
    address = StringField(_l("户籍或常住地址"), validators=[Optional(), Length(max=200)])


class TenancyForm(PersonForm):
    """A tenant moving in: the person is found by identity number or created."""

    moved_in = DateField(_l("入住日期"), validators=[InputRequired(_l("请填写入住日期。"))])
    registered = BooleanField(_l("已办理居住登记"))


class EndTenancyForm(FlaskForm):
    moved_out = DateField(_l("搬离日期"), validators=[InputRequired(_l("请填写搬离日期。"))])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (reveal, confirm)."""


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("导入内容"), choices=choices([("units", _l("出租房台账")), ("tenants", _l("租户台账"))])
    )
    #: Choices set by the view; shown only when there are several communities.
    community = SelectField(
        _l("社区"),
        description=_l("台账中没有的区域将在该社区中新建。"),
        coerce=int,
        validate_choice=True,
    )
    file = FileField(_l("文件（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件。"))])
    apply = BooleanField(_l("确认写入（不勾选则只预览）"))
