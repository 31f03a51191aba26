"""One small interface per concern, with an embedded implementation (and a scale-out one later)."""
