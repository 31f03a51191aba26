"""wrk (the Debian package) with a Lua script that signs every request with the next of many
bearer tokens, so the server reads many different home timelines, not one cached page.

The script reads the tokens file and the path from the environment (MYNA_WRK_TOKENS,
MYNA_WRK_PATH), builds each thread's requests once (threads start at different tokens), and
prints one line `WRK_RESULT {...}` with the totals and latency percentiles when done.
wrk's latencies are measured from the moment a request is sent on a busy connection (closed
loop: a slow response delays the next request instead of queueing it), so p99 is the
server's at this concurrency, not what an open stream of arrivals would see."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

local prepared = {}
local count = 0
local at = 0

function init(args)
  local path = os.getenv("MYNA_WRK_PATH")
  for token in io.lines(os.getenv("MYNA_WRK_TOKENS")) do
    if token ~= "" then
      count = count + 1
      prepared[count] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  at = ((thread_number or 0) * 7919) % count
end

function request()
  at = at + 1
  if at > count then at = 1 end
  return prepared[at]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors, timeouts and non-2xx/3xx answers
    non_2xx: int
    peak_kib: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, path: str, tokens: Path, workdir: Path, *, seconds: float, connections: int,
        threads: int) -> WrkResult:  # fmt: skip
    script = workdir / "tokens.lua"
    script.write_text(LUA)
    env = dict(os.environ, MYNA_WRK_TOKENS=str(tokens), MYNA_WRK_PATH=path)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "10s", "-s", str(script), url + path]  # fmt: skip
    popen = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert popen.stdout is not None
    output = popen.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(popen.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"wrk failed:\n{output}")
    line = next((x for x in output.splitlines() if x.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    duration = raw["duration_us"] / 1e6
    return WrkResult(
        requests=raw["requests"],
        seconds=duration,
        requests_per_s=raw["requests"] / duration if duration else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"] + raw["status"],
        non_2xx=raw["status"],
        peak_kib=usage.ru_maxrss,
    )
