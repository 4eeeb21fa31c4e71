"""Accounts, roles, sign-in and the permission checks every route uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
