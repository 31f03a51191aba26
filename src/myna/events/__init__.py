"""Typed event payloads and publish-on-commit (the streaming issue fills this in)."""
