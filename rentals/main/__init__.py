"""Home page routing by role, and the static pages every role shares."""

from flask import Blueprint

bp = Blueprint("main", __name__)
