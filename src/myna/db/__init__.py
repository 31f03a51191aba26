"""Async engine, sessions and transactions."""
