"""Forms of the administration pages (shape only; the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from rentals.templating import ROLE_LABELS


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (usable on a phone without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _too_long(n: int) -> str:
    return _l("最多 %(n)s 个字符。", n=n)  # type: ignore[return-value]


class CommunityForm(FlaskForm):
    name = StringField(
        _l("社区名称"),
        validators=[DataRequired(_l("请填写社区名称。")), Length(max=100, message=_too_long(100))],
    )
    name_bo = StringField(
        _l("藏文名称"),
        validators=[Length(max=200, message=_too_long(200))],
        render_kw={"lang": "bo"},
    )
    issuer = StringField(
        _l("发牌单位"),
        description=_l("印在牌子上，例如“某某社区居委会”。留空时印社区名称。"),
        validators=[Length(max=200, message=_too_long(200))],
    )
    police_station = StringField(_l("派出所"), validators=[Length(max=200, message=_too_long(200))])
    public_url = StringField(
        _l("公开网址"),
        description=_l(
            "牌子上二维码打开的网址，例如 https://rentals.example.cn 。"
            "留空时使用安装时设置的 RENTALS_PUBLIC_BASE_URL。"
        ),
        validators=[Optional(), Length(max=200, message=_too_long(200))],
    )


class AreaForm(FlaskForm):
    community_id = SelectField(_l("社区"), coerce=int)
    name = StringField(
        _l("区域名称"),
        validators=[DataRequired(_l("请填写区域名称。")), Length(max=100, message=_too_long(100))],
    )
    name_bo = StringField(
        _l("藏文名称"),
        validators=[Length(max=200, message=_too_long(200))],
        render_kw={"lang": "bo"},
    )
    inspectors = CheckboxesField(_l("负责的巡查员"), coerce=int, validate_choice=True)


class UserForm(FlaskForm):
    username = StringField(
        _l("登录名"),
        description=_l("房东用手机号码登录。"),
        validators=[DataRequired(_l("请填写登录名。")), Length(max=64, message=_too_long(64))],
    )
    display_name = StringField(
        _l("姓名"), validators=[Optional(), Length(max=100, message=_too_long(100))]
    )
    role = SelectField(_l("角色"))
    communities = CheckboxesField(_l("所属社区"), coerce=int)
    areas = CheckboxesField(_l("负责的区域"), coerce=int)

    def fill_choices(self, roles: list[str], communities: list, areas: list) -> None:  # type: ignore[type-arg]
        self.role.choices = [SelectChoice(r, str(ROLE_LABELS[r])) for r in roles]
        self.communities.choices = [SelectChoice(c.id, c.name) for c in communities]
        names = {c.id: c.name for c in communities}
        self.areas.choices = [
            SelectChoice(a.id, f"{names.get(a.community_id, '')} · {a.name}") for a in areas
        ]


class UserEditForm(UserForm):
    username = None  # type: ignore[assignment]


class ConfirmForm(FlaskForm):
    """A button that posts (CSRF only)."""


class LandlordLoginsForm(FlaskForm):
    community_id = SelectField(_l("社区"), coerce=int)
