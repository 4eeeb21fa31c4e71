"""What each message says, in Chinese or Tibetan, in at most one SMS (70 characters).

The texts are gettext msgids like every other sentence, rendered in the person's language
(never the reader's of the current page); a translation that grows past one SMS is cut
at the unit code first, then at the end, so a message never becomes two.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: One SMS in UCS-2 (Chinese, Tibetan): 70 UTF-16 code units.
SMS_MAX = 70
#: Message language -> the app's locale.
LOCALES = {"zh": "zh_Hans_CN", "bo": "bo"}

#: name -> msgid with %(code)s (the unit) and %(date)s.
TEMPLATES: dict[str, Any] = {
    "visit_due": _l("出租房%(code)s将于%(date)s前接受安全检查，请届时配合开门。"),
    "order_due_3d": _l("出租房%(code)s的整改期限是%(date)s，还有3天，请按时整改。"),
    "order_due_today": _l("出租房%(code)s的整改期限是今天%(date)s，请今天完成整改。"),
    "blacklist_notice": _l("出租房%(code)s评为一星，如无成功复核，将于%(date)s起在黑榜公示。"),
    "contest_decided": _l("您对出租房%(code)s评定的复核申请已有决定，请登录房东端查看。"),
    "declaration_to_confirm": _l("有租户申报住在出租房%(code)s，请登录房东端确认或驳回。"),
    "registration_lapsing": _l("出租房%(code)s有租户的居住登记将于%(date)s到期，请及时续办。"),
}


def short_date(day: date | None) -> str:
    """ "12-09": short, and read the same in Chinese and Tibetan."""
    return f"{day:%m-%d}" if day is not None else ""


def render(template: str, language: str, *, code: str, day: date | None = None) -> str:
    """The text of ``template`` for a reader of ``language``, at most ``SMS_MAX`` long."""
    msgid = str(TEMPLATES[template]._args[0])
    with force_locale(LOCALES.get(language, LOCALES["zh"])):
        text = _(msgid, code=code, date=short_date(day))
        if len(text) > SMS_MAX:
            spare = SMS_MAX - (len(text) - len(code)) - 1
            if spare >= 4:
                text = _(msgid, code=code[:spare] + "…", date=short_date(day))
    if len(text) > SMS_MAX:
        text = text[: SMS_MAX - 1] + "…"
    return text
