"""A throwaway Prosody XMPP server for end-to-end tests of the XMPP gateway.

Everything lives in one scratch directory: the config file, the data, the pidfile and the
logs. The server listens on loopback only, on free ports chosen at run time, so it never
meets a system Prosody on the default ports. Server-to-server is off and nothing needs TLS:
test clients log in over plain TCP on 127.0.0.1.

The users' domain is `im.localhost`; the gateway's two domains are external components
(XEP-0114) sharing one secret. Without Prosody the tests are skipped, except in CI
(CI=true), where `.ci/run` installs Debian's package and its absence is a failure."""

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PROSODY = os.environ.get("MYNA_PROSODY") or shutil.which("prosody") or "/usr/bin/prosody"
USERS_DOMAIN = "im.localhost"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0

# Prosody 0.12 loads presence, message, iq, offline and c2s by itself. These are the others
# a client session needs: SASL login, a roster (subscriptions), service discovery and pings.
MODULES = ("roster", "saslauth", "disco", "ping")
# s2s is loaded by default too: with it off, nothing listens for or dials other servers.
DISABLED_MODULES = ("s2s", "s2s_auth_certs")


def prosody_or_skip() -> str:
    """The path of the `prosody` program: skips the test without it, fails it in CI."""
    if Path(PROSODY).exists():
        return PROSODY
    if os.environ.get("CI") == "true":
        pytest.fail(f"Prosody not found at {PROSODY}; .ci/run installs Debian's prosody")
    pytest.skip(f"Prosody not found at {PROSODY} (apt install prosody)")


def _prosodyctl(prosody: str) -> str:
    """`prosodyctl` is installed beside `prosody`, in every package of it."""
    return str(Path(prosody).with_name("prosodyctl"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lua(value: str) -> str:
    """A Lua string literal; the paths and names written here never hold quotes or
    backslashes, but a stray one should break loudly rather than change the config."""
    if '"' in value or "\\" in value:
        raise ValueError(f"not written into a Lua config: {value!r}")
    return f'"{value}"'


def _lua_list(values: tuple[str, ...]) -> str:
    return "{ " + ", ".join(_lua(value) for value in values) + " }"


@dataclass
class Prosody:
    """A running test server: where clients and components connect, and what they need."""

    host: str  # the users' domain: alice@im.localhost
    c2s_port: int
    component_port: int
    secret: str  # the component secret, the same for both components
    components: tuple[str, str]  # (people domain, groups domain)
    config: Path
    log: Path

    def register(self, user: str, password: str) -> str:
        """Creates the account `user@host` and returns its bare JID.

        prosodyctl writes the account file that the running server reads at login, so no
        in-band registration (and no mod_register) is needed."""
        jid = f"{user}@{self.host}"
        done = subprocess.run(
            [
                _prosodyctl(PROSODY),
                "--config",
                str(self.config),
                "register",
                user,
                self.host,
                password,
            ],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"prosodyctl register {jid} failed:\n{done.stdout}\n{done.stderr}")
        return jid

    def log_text(self) -> str:
        """The server's log so far, for a failing test's message."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _config(
    workdir: Path,
    *,
    c2s_port: int,
    component_port: int,
    secret: str,
    components: tuple[str, str],
    log_level: str,
) -> str:
    """The whole server configuration, in Prosody's Lua syntax."""
    data = workdir / "data"
    certs = workdir / "certs"
    data.mkdir(exist_ok=True)
    # An empty directory: Prosody looks for certificates at start and logs an error when
    # the directory is missing; with mod_tls not loaded, it never needs one.
    certs.mkdir(exist_ok=True)
    component_blocks = "".join(
        f"Component {_lua(domain)}\n    component_secret = {_lua(secret)}\n\n"
        for domain in components
    )
    return f"""-- Written by tests/e2e/prosody.py for one test run.

-- Prosody refuses to start as root unless told otherwise (CI runs as root): 0.12.3 then
-- logs "Refusing to run as root" yet keeps its ports open, half shut down. Harmless for
-- other users; this server only listens on loopback, inside a scratch directory.
run_as_root = true

data_path = {_lua(str(data))}
pidfile = {_lua(str(workdir / "prosody.pid"))}
certificates = {_lua(str(certs))}
log = {{ {{ levels = {{ min = {_lua(log_level)} }}, to = "file",
          filename = {_lua(str(workdir / "prosody.log"))} }} }}

interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s_port} }}
component_interfaces = {{ "127.0.0.1" }}
component_ports = {{ {component_port} }}

modules_enabled = {_lua_list(MODULES)}
modules_disabled = {_lua_list(DISABLED_MODULES)}

-- Plain TCP on loopback: no STARTTLS is offered (mod_tls is not loaded), and SASL PLAIN
-- as well as SCRAM may be used without it.
c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
storage = "internal"

VirtualHost {_lua(USERS_DOMAIN)}

{component_blocks}"""


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _failure_text(workdir: Path) -> str:
    parts = []
    for name in ("prosody.log", "console.log"):
        path = workdir / name
        if path.exists():
            parts.append(f"--- {name}\n{path.read_text(errors='replace')}")
    return "\n".join(parts)


def _wait_until_up(process: subprocess.Popen[bytes], workdir: Path, ports: list[int]) -> None:
    """Returns once every port accepts connections; fails the test with the logs if the
    server exits first (a config error, say) or is not up within START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prosody exited with {process.returncode}:\n{_failure_text(workdir)}")
        waiting = [port for port in waiting if not _accepts(port)]
        if not waiting:
            return
        time.sleep(0.1)
    pytest.fail(
        f"prosody did not listen on {waiting} within {START_TIMEOUT:.0f} s:\n"
        f"{_failure_text(workdir)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # mod_posix shuts down cleanly on SIGTERM
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_prosody(
    workdir: Path,
    *,
    people: str = "myna.localhost",
    groups: str = "groups.myna.localhost",
    log_level: str = "info",
) -> Iterator[Prosody]:
    """A Prosody in the foreground for as long as the block runs, stopped afterwards.

    `people` and `groups` are the gateway's component domains; `log_level` "debug" makes
    the log (workdir/prosody.log) show every stanza, for finding out why one went astray."""
    binary = prosody_or_skip()
    workdir.mkdir(parents=True, exist_ok=True)
    found = Prosody(
        host=USERS_DOMAIN,
        c2s_port=_free_port(),
        component_port=_free_port(),
        secret=secrets.token_hex(16),
        components=(people, groups),
        config=workdir / "prosody.cfg.lua",
        log=workdir / "prosody.log",
    )
    found.config.write_text(
        _config(
            workdir,
            c2s_port=found.c2s_port,
            component_port=found.component_port,
            secret=found.secret,
            components=found.components,
            log_level=log_level,
        )
    )
    # Its console gets the start-up banner (e.g. "unable to find lua-unbound", harmless
    # with s2s off); everything else goes to the log file.
    with (workdir / "console.log").open("wb") as out:
        process = subprocess.Popen(
            [binary, "--config", str(found.config), "-F"],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(process, workdir, [found.c2s_port, found.component_port])
        yield found
    finally:
        _stop(process)
