"""Every read a route makes: fetch through `store` with `policy`'s filters, then batch-load
what the entities need (never one query per row)."""
