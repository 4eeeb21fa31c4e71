"""The public "I live here / I moved out" forms: the register's field rules and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from rentals.register.forms import normalised
from rentals.validators import normalise_id_number, normalise_mobile


class _Tenant(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=100)])
    id_number = StringField(
        _l("身份证号码"),
        description=_l("18 位，最后一位可以是 X。"),
        validators=[normalised(normalise_id_number)],
    )
    phone = StringField(_l("手机号码"), validators=[normalised(normalise_mobile)])
    consent = BooleanField(
        _l("我同意社区保存以上信息，用于出租房屋登记管理。"),
        validators=[DataRequired(_l("请勾选同意，社区才能保存您的信息。"))],
    )


class MoveInSelfForm(_Tenant):
    on = DateField(_l("入住日期"), validators=[InputRequired(_l("请填写入住日期。"))])


class MoveOutSelfForm(_Tenant):
    on = DateField(_l("搬离日期"), validators=[InputRequired(_l("请填写搬离日期。"))])


class ProofForm(FlaskForm):
    """A landlord's proof of a fix: what was done, and photos of it."""

    note = TextAreaField(
        _l("整改情况"),
        description=_l("请说明做了什么整改，例如“已更换新灭火器”。"),
        validators=[
            DataRequired(_l("请写明整改情况（5 到 1000 个字）。")),
            Length(min=5, max=1000),
        ],
    )
    photos = MultipleFileField(
        _l("整改后的照片（1 到 5 张）"),
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("只能上传照片。"))],
    )


class RegistrationForm(FlaskForm):
    """Staff record a tenant's residence registration (居住登记) and its expiry."""

    registered_on = DateField(_l("办理日期"), validators=[InputRequired(_l("请填写办理日期。"))])
    expires_on = DateField(_l("到期日期（没有则留空）"), validators=[Optional()])
