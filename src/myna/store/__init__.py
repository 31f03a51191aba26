"""Queries, one module per aggregate: the only place SQL is built."""
