"""Myna's own API extensions, under /api/v1/myna."""
