"""Entities as Mastodon clients expect them, rendered from batch-loaded data."""
