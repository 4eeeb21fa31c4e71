"""The Flask application factory.

Start-up order: config, database, extensions, blueprints, and last the schema check,
so a database that is behind the migrations stops the app with the command to run.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from rentals import config as config_module

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None, *, base: type | None = None) -> Flask:
    """Build the app from ``base`` (the production ``Config`` by default) updated with ``config``.

    Refuses to start without a secret key (``config.MISSING_SECRET`` says why); only a
    base that names a ``SECRET_KEY_FILE`` (the development settings) may generate one.
    """
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=os.environ.get("RENTALS_INSTANCE_PATH", str(root / "instance")),
        template_folder=str(root / "templates"),
        instance_relative_config=True,
    )
    from rentals import inputs

    inputs.init_app(app)
    app.config.from_object(base or config_module.Config)
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY") and app.config.get("SECRET_KEY_FILE"):
        secret_file = Path(app.instance_path) / app.config["SECRET_KEY_FILE"]
        app.config["SECRET_KEY"] = config_module.instance_secret(secret_file)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(config_module.MISSING_SECRET)
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    url = app.config.get("DATABASE_URL") or config_module.default_database_url(app.instance_path)
    app.config["DATABASE_URL"] = url
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )

    from rentals import db, i18n, security
    from rentals.extensions import babel, csrf, limiter, login_manager

    db.init_app(app, url)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app, login_manager)
    security.init_app(app)

    # Views are imported here, not by their packages, so importing a model never drags
    # in every view (and no import cycle runs through the blueprints).
    import rentals.auth.views
    import rentals.main.views
    import rentals.register.ledger_views
    import rentals.register.views  # noqa: F401
    from rentals import errors_views, templating
    from rentals.auth import bp as auth_bp
    from rentals.main import bp as main_bp
    from rentals.register import bp as register_bp

    templating.init_app(app)
    errors_views.init_app(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(register_bp)
    from rentals.audit import bp as audit_bp
    from rentals.audit import views as _audit_views  # noqa: F401  (routes on audit.bp)

    app.register_blueprint(audit_bp)
    import rentals.ratings.contest_views
    import rentals.ratings.views  # noqa: F401  (routes on ratings.bp and contests_bp)
    from rentals.ratings import bp as ratings_bp
    from rentals.ratings import contests_bp

    app.register_blueprint(ratings_bp)
    app.register_blueprint(contests_bp)
    import rentals.inspections.views  # noqa: F401
    from rentals.inspections import bp as inspections_bp

    app.register_blueprint(inspections_bp)
    import rentals.tasks.views  # noqa: F401  (routes on tasks.bp)
    from rentals.tasks import bp as tasks_bp

    app.register_blueprint(tasks_bp)
    from rentals import printing, queue

    queue.init_app(app)

    printing.init_app(app)
    import rentals.portal.views
    import rentals.public.views  # noqa: F401  (routes on portal.bp and public.bp)
    from rentals.portal import bp as portal_bp
    from rentals.public import bp as public_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(public_bp)
    import rentals.incentives.measures
    import rentals.incentives.points_views
    import rentals.incentives.views  # noqa: F401  (routes on incentives.bp; measures listen)
    from rentals.incentives import bp as incentives_bp

    app.register_blueprint(incentives_bp)
    import rentals.admin.account_views
    import rentals.admin.views  # noqa: F401  (routes on admin.bp)
    from rentals.admin import bp as admin_bp

    app.register_blueprint(admin_bp)
    import rentals.dashboard.views  # noqa: F401  (routes on dashboard.bp)
    from rentals.dashboard import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)
    import rentals.incidents.views  # noqa: F401  (routes on incidents.bp)
    from rentals.incidents import bp as incidents_bp

    app.register_blueprint(incidents_bp)
    import rentals.selfservice.views  # noqa: F401  (routes on selfservice.bp)
    from rentals.selfservice import bp as selfservice_bp

    app.register_blueprint(selfservice_bp)
    import rentals.messages.views  # noqa: F401  (routes on messages.bp; its job handler)
    from rentals.messages import bp as messages_bp

    app.register_blueprint(messages_bp)
    import rentals.api.docs
    import rentals.api.pages
    import rentals.api.public
    import rentals.api.views
    import rentals.api.writes  # noqa: F401  (routes on api.bp and api.pages)
    from rentals.api import bp as api_bp
    from rentals.api import token_pages

    csrf.exempt(api_bp)  # token-authenticated: a cookie never signs an API request in
    app.register_blueprint(api_bp)
    app.register_blueprint(token_pages)

    if app.config.get("CHECK_SCHEMA", True):
        from rentals.migrate import check_schema

        check_schema(db.engine_of(app))
    return app


def _init_login(app: Flask, login_manager: Any) -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_key: str):  # type: ignore[no-untyped-def]
        from rentals import db
        from rentals.auth.services import load_user

        return load_user(db.session(), user_key)
