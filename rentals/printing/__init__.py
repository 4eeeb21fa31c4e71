"""Documents: plaques, rosters, blacklists and rectification notices (WeasyPrint).

``render.render_pdf`` is the only code that talks to WeasyPrint; the builders turn rows
into plain contexts through the printable-field registry (``fields``).
"""

from flask import Blueprint

bp = Blueprint("printing", __name__)


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Register the blueprint and report missing fonts or HarfBuzz at start-up."""
    import os

    from rentals.printing import fonts, public, views  # noqa: F401

    # The absolute address printed in plaque QR codes (RENTALS_PUBLIC_BASE_URL).
    app.config.setdefault(
        "PUBLIC_BASE_URL", os.environ.get("RENTALS_PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    )
    # Issued plaques must not point at this machine or the office network (a phone in
    # the street cannot open them): allowed in tests, under DEBUG, or when a developer
    # asks for it (RENTALS_PLAQUE_PRIVATE_URL_OK=1, e.g. printing from the demo).
    app.config.setdefault(
        "PLAQUE_PRIVATE_URL_OK",
        bool(app.testing or app.debug or os.environ.get("RENTALS_PLAQUE_PRIVATE_URL_OK") == "1"),
    )
    app.register_blueprint(bp)
    fonts.log_problems()
