"""Forms of the manager's measure actions, of redeeming points and of uploading versions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from rentals.register.forms import choices

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
    photo = FileField(
        _l("发放照片"),
        validators=[Optional(), FileAllowed(["jpg", "jpeg", "png", "webp"], _l("请上传照片。"))],
    )


class RedeemForm(FlaskForm):
    """One redemption: which unit, which measure, and the page's request key."""

    unit = StringField(validators=[DataRequired(), Length(max=64)])
    code = StringField(validators=[DataRequired(), Regexp(r"^[A-Z][A-Z0-9]{0,7}$")])
    request_key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])


class RedeemableForm(FlaskForm):
    """A community's setting of one measure; an empty cost: not redeemable."""

    community = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2147483647)])
    code = StringField(validators=[DataRequired(), Regexp(r"^[A-Z][A-Z0-9]{0,7}$")])
    cost = IntegerField(
        _l("所需积分"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10000, message=_l("所需积分应在 1 到 10000 之间。")),
        ],
    )


class VersionUploadForm(FlaskForm):
    kind = SelectField(
        _l("文件种类"),
        choices=choices([("points", _l("积分规则")), ("measures", _l("奖惩措施目录"))]),
        validators=[DataRequired()],
    )
    file = FileField(
        _l("文件（TOML）"),
        validators=[Optional(), FileAllowed(["toml", "txt"], _l("请上传 .toml 文件。"))],
    )
    source = TextAreaField(
        _l("或粘贴内容"),
        validators=[Optional()],
        description=_l("两者都填时以文件为准。"),
        render_kw={"rows": 14, "spellcheck": "false"},
    )
