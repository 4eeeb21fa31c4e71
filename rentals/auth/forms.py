"""Sign-in, password and unlock forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange


class LoginForm(FlaskForm):
    username = StringField(
        _l("登录名或手机号"), validators=[DataRequired(_l("请填写登录名。")), Length(max=64)]
    )
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码。"))])
    remember = BooleanField(_l("在这台设备上保持登录"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码。"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码。"))])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[EqualTo("new", _l("两次输入的新密码不一致。"))],
    )


class UnlockCodeForm(FlaskForm):
    """The owner lifts their account's sign-in throttle with a one-time code."""

    username = StringField(
        _l("登录名或手机号"), validators=[DataRequired(_l("请填写登录名。")), Length(max=64)]
    )
    code = StringField(
        _l("解锁码"), validators=[DataRequired(_l("请填写解锁码。")), Length(max=32)]
    )


class AccountActionForm(FlaskForm):
    """A button on the sign-in throttle page: which account it acts on."""

    user_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
