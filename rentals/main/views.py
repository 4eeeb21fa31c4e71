"""Where each role lands after signing in."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from rentals.main import bp


@bp.route("/")
def home():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "landlord":
        return redirect(url_for("portal.dashboard"))
    if current_user.role == "inspector":
        return redirect(url_for("inspections.home"))
    return redirect(url_for("register.units"))


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return {"status": "ok"}


@bp.route("/offline")
def offline():  # type: ignore[no-untyped-def]
    """The page the service worker shows for an address this phone did not keep."""
    return render_template("offline.html")
