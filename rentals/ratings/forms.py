"""Forms of the scorecard pages (upload a version, activate a draft) and of a contest's
decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from rentals.register.forms import choices


class UploadForm(FlaskForm):
    file = FileField(
        _l("评分表文件（TOML）"),
        validators=[Optional(), FileAllowed(["toml", "txt"], _l("请上传 .toml 文件。"))],
    )
    source = TextAreaField(
        _l("或粘贴评分表内容"),
        # The size limit is the scoring core's (bytes, checked before parsing), not a second one.
        validators=[Optional()],
        description=_l("两者都填时以文件为准。"),
        render_kw={"rows": 16, "spellcheck": "false"},
    )


class ActivateForm(FlaskForm):
    start = DateField(
        _l("启用日期"),
        validators=[DataRequired(_l("请填写启用日期。"))],
        description=_l("从这一天起，新的检查使用这个版本；以前的检查仍按原版本显示。"),
    )


class RunWhatIfForm(FlaskForm):
    """A button only: start a what-if run on the worker (CSRF-protected)."""


class DecideContestForm(FlaskForm):
    decision = RadioField(
        _l("决定"),
        choices=choices(
            [("upheld", _l("支持复核：安排复查")), ("rejected", _l("不予支持：维持评定"))]
        ),
        validators=[InputRequired(_l("请选择决定。"))],
    )
    reason = TextAreaField(
        _l("决定理由"), validators=[DataRequired(_l("请写明决定理由。")), Length(max=2000)]
    )
