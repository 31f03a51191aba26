"""Myna: self-hosted microblogging with a Mastodon-compatible API."""

__version__ = "0.1.0"
