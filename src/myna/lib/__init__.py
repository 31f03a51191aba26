"""Pure helpers: no I/O, no framework imports."""
