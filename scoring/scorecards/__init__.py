"""Shipped scorecard versions, as TOML package data (a package so that wheels include them)."""
