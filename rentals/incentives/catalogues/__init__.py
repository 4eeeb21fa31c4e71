"""Shipped catalogues of measures per rating band, as TOML package data."""
