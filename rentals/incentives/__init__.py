"""What follows from a rating: the blacklist (notices and monthly editions), the measures
each band carries (rewards and penalties), and points.

The rules live here; ``printing`` only renders the edition's PDF, ``portal`` and ``public``
only show what these modules answer. Routes live in ``views`` (imported by the app
factory, not here: no import cycle).
"""

from flask import Blueprint

bp = Blueprint("incentives", __name__)
