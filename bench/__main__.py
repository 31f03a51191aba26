"""`python -m bench` runs every benchmark with its defaults; `python -m bench NAME [options]`
runs one (`python -m bench streaming --help`)."""

import sys
from collections.abc import Callable, Sequence

from bench import groups, im, search, streaming, timelines

BENCHMARKS: dict[str, Callable[[Sequence[str]], int]] = {
    "streaming": streaming.main,
    "groups": groups.main,
    "timelines": timelines.main,
    "search": search.main,
    "im": im.main,
}


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(BENCHMARKS))
        return 0
    if argv and not argv[0].startswith("-"):
        name, rest = argv[0], argv[1:]
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
        return BENCHMARKS[name](rest)
    status = 0
    for name, run in BENCHMARKS.items():
        print(f"== {name}")
        status = run(list(argv)) or status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
