"""Benchmarks: load generators that print figures. They never assert times and never run in
CI (pytest collects only tests/). `python -m bench` runs them all; `python -m bench NAME
--help` shows one benchmark's options. Results are recorded in docs/performance.md."""
