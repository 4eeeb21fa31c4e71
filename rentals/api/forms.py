"""Forms of the API token page (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from rentals.api.tokens import DEFAULT_DAYS, MAX_DAYS, NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(
        _l("令牌用途"),
        validators=[DataRequired(_l("请填写令牌用途（不超过 100 个字）。")), Length(max=NAME_MAX)],
        description=_l("例如：区网格化管理平台"),
    )
    days = IntegerField(
        _l("有效天数"),
        default=DEFAULT_DAYS,
        validators=[
            DataRequired(_l("有效期应为 1 至 365 天。")),
            NumberRange(1, MAX_DAYS, _l("有效期应为 1 至 365 天。")),
        ],
    )
    #: Admins only: the account the token acts as (empty: their own).
    username = StringField(_l("账号（留空为本人）"), validators=[Optional(), Length(max=64)])


class RevokeForm(FlaskForm):
    """CSRF only."""
