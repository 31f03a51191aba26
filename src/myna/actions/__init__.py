"""Every write. `check_*` validates, `do_*` writes in one transaction and schedules what follows
after commit."""
