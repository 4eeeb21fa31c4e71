"""Forms of the landlord's pages and of the staff answers on the unit file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from rentals.register.forms import normalised
from rentals.validators import normalise_id_number, normalise_mobile


class MoveInForm(FlaskForm):
    """Validated like the register's tenant form (same field rules and messages)."""

    name = StringField(
        _l("租户姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=100)]
    )
    id_number = StringField(
        _l("身份证号码"),
        description=_l("18 位，最后一位可以是 X。"),
        validators=[normalised(normalise_id_number)],
    )
    phone = StringField(_l("手机号码"), validators=[normalised(normalise_mobile, optional=True)])
    moved_in = DateField(_l("入住日期"), validators=[InputRequired(_l("请填写入住日期。"))])
    registered = BooleanField(_l("已办理居住登记"))


class MoveOutForm(FlaskForm):
    tenancy_id = SelectField(_l("搬离的租户"), coerce=int)
    moved_out = DateField(_l("搬离日期"), validators=[InputRequired(_l("请填写搬离日期。"))])


class ContestForm(FlaskForm):
    reason = TextAreaField(
        _l("复核理由"),
        description=_l("请说明您认为评定有误的地方，例如哪一项已经符合。"),
        validators=[DataRequired(_l("请写明复核理由（至少 5 个字）。")), Length(min=5, max=2000)],
    )
    photos = MultipleFileField(
        _l("照片（可选，最多 5 张）"),
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("只能上传照片。"))],
    )


class ReplyForm(FlaskForm):
    text = TextAreaField(
        _l("公开回应"),
        description=_l(
            "最多 300 字，显示在公开页面的评定旁边；不要写电话、证件号等个人信息。留空表示撤回。"
        ),
        validators=[Length(max=300, message=_l("回应最多 300 字。"))],
    )


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token."""
