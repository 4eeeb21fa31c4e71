"""Forms of the task pages (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, DataRequired


class ReassignForm(FlaskForm):
    inspector_id = SelectField(_l("改派给"), validators=[DataRequired()], choices=[])


class FeedForm(FlaskForm):
    #: "create" makes a new private URL (the old one stops working); "revoke" ends it.
    action = HiddenField(validators=[AnyOf(["create", "revoke"])])
