"""The ceiling: a bare Starlette endpoint that answers every GET with one fixed page of 20
statuses (a real home page of the seeded graph, as orjson bytes), served by the same uvicorn
as `myna serve`. Nothing a web framework on this machine does can be faster, so the home
timeline's requests/s is reported as a share of this one's, measured in the same run.

    python -m bench.ceiling --port 8100 --page page.json [--workers 1]
"""

import argparse
import os
import sys
from collections.abc import Sequence

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE_ENV = "MYNA_BENCH_CEILING_PAGE"


def app_from_env() -> Starlette:
    with open(os.environ[PAGE_ENV], "rb") as page:
        body = orjson.dumps(orjson.loads(page.read()))

    async def fixed_page(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", fixed_page)])


def main(argv: Sequence[str]) -> int:
    import uvicorn

    p = argparse.ArgumentParser(prog="python -m bench.ceiling")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--page", required=True, help="a JSON file: the page to serve")
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args(list(argv))
    os.environ[PAGE_ENV] = os.path.abspath(args.page)
    uvicorn.run(
        "bench.ceiling:app_from_env",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
