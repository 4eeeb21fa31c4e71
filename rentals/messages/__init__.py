"""Messages to landlords and tenants (issue 19): an outbox in the database, one short SMS
each in the person's language, queued with an idempotency key and sent by the task queue.

Routes live in ``views`` (imported by the app factory, not here: no import cycle).
"""

from flask import Blueprint

bp = Blueprint("messages", __name__)
