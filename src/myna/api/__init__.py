"""HTTP only: parse, require a scope, call one action or read, serialise."""
