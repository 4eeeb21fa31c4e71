"""The landlord's messages (/my/messages) and their choice of language."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from rentals import db
from rentals.auth.access import roles_required
from rentals.auth.models import Role, User
from rentals.messages import bp, services  # services registers the "message" job
from rentals.messages.forms import LanguageForm
from rentals.register.models import Person

#: Message language -> the page locale it also selects.
PAGE_LOCALE = {"zh": "zh_Hans_CN", "bo": "bo"}


def _person() -> Person:
    user: User = current_user._get_current_object()  # type: ignore[assignment]
    person = db.session().get(Person, user.person_id) if user.person_id else None
    if person is None:
        abort(404)
    return person


@bp.route("/my/messages")
@roles_required(Role.LANDLORD)
def inbox():  # type: ignore[no-untyped-def]
    person = _person()
    sess = db.session()
    form = LanguageForm()
    form.language.data = services.languages_of(sess, [person.id]).get(person.id, "zh")
    rows = services.messages_of(sess, person.id)
    return render_template("messages/inbox.html", rows=rows, form=form)


@bp.route("/my/language", methods=["POST"])
@roles_required(Role.LANDLORD)
def language():  # type: ignore[no-untyped-def]
    person = _person()
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_language(
        db.session(), actor=current_user, person=person, language=form.language.data
    )
    session["lang"] = PAGE_LOCALE[form.language.data]
    flash(_("语言已保存。"), "success")
    return redirect(url_for("messages.inbox"))


@user_logged_in.connect
def _pages_in_their_language(_app, user, **_extra) -> None:  # type: ignore[no-untyped-def]
    """A landlord who chose a language gets their pages in it from the sign-in on."""
    if getattr(user, "role", None) != Role.LANDLORD or not user.person_id:
        return
    language = services.languages_of(db.session(), [user.person_id]).get(user.person_id)
    if language in PAGE_LOCALE:
        session["lang"] = PAGE_LOCALE[language]
