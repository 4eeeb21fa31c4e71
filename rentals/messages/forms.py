"""The landlord's choice of language for messages and pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from rentals.register.forms import choices


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("短信和页面的语言"),
        choices=choices([("zh", "中文"), ("bo", "བོད་ཡིག")]),
        validators=[InputRequired(_l("请选择语言。"))],
    )
