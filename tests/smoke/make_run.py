"""Start `make run` as a newcomer would, use it, stop it as Ctrl-C would, and check nothing is left behind.

CI runs this on every submission (`make smoke`): a green test suite that cannot start the product is not
green. It uses only the standard library, because it judges the set-up rather than relying on it.

    python3 -m tests.smoke.make_run [--port 8731] [--require-empty-var]

With no DATABASE_URL / REDIS_URL (they are removed from the environment) `make run` starts the embedded
PostgreSQL and Redis under var/, migrates, loads the demo clinic and serves it. This script waits for
/healthz and /readyz, signs in as the demo patient and reads her home page, then sends SIGINT to the
process group (what a terminal's Ctrl-C does) and checks that make exits, that no process of the run is
left and that the port is free again.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PATIENT = ("sarah.johnson@example.com", "portal-demo-2026")
START_TIMEOUT = 1200  # seconds: a fresh machine installs dependencies first
STOP_TIMEOUT = 60
LEFTOVER_MARKERS = ("manage.py runportal", "manage.py runserver", "celery -A portal", str(ROOT / "var"))


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_processes() -> list[str]:
    """Command lines of live processes that belong to a portal run from this checkout."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        if not command or "tests.smoke.make_run" in command:
            continue
        # Only this checkout's processes: another checkout's server on the machine is not ours.
        if cwd.startswith(str(ROOT)) and (
            any(marker in command for marker in LEFTOVER_MARKERS) or "redis-server" in command or "postgres" in command
        ):
            found.append(f"{entry.name}: {command[:200]}")
    return found


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmokeFailure(f"`make run` exited with code {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback URL
                return json.loads(response.read())
        except (OSError, ValueError):
            time.sleep(2)
    raise SmokeFailure(f"{url} did not answer 200 within {timeout:.0f} s")


def sign_in(base: str) -> str:
    """Sign in through the real login form (CSRF and all) and return the page it lands on."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=30) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise SmokeFailure("the login page has no CSRF token")
    email, password = DEMO_PATIENT
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "login": email, "password": password})
    login = f"{base}/accounts/login/"
    request = urllib.request.Request(login, data=data.encode(), headers={"Referer": base})  # noqa: S310 - loopback
    with opener.open(request, timeout=60) as response:
        page = response.read().decode()
        if response.status != 200 or "/accounts/login/" in response.url:
            raise SmokeFailure(f"signing in as {email} did not leave the login page ({response.url})")
    return page


def stop_as_ctrl_c(process: subprocess.Popen[bytes]) -> int:
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        os.killpg(process.pid, signal.SIGKILL)
        raise SmokeFailure(f"`make run` did not stop within {STOP_TIMEOUT} s of Ctrl-C") from error


def smoke(port: int, require_empty_var: bool) -> None:
    var = ROOT / "var"
    if require_empty_var and (var / "pgdata").exists():
        raise SmokeFailure(f"{var} already holds a database; this check starts from an empty var/")
    if not port_is_free(port):
        raise SmokeFailure(f"port {port} is already in use")
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    environment.pop("DATABASE_OWNER_URL", None)
    environment["PORT"] = str(port)
    base = f"http://127.0.0.1:{port}"
    say(f"starting `make run` on the embedded default at {base}")
    started = time.monotonic()
    # A session of its own: SIGINT to its group is exactly what a terminal sends on Ctrl-C.
    process = subprocess.Popen(["make", "run"], cwd=ROOT, env=environment, start_new_session=True)  # noqa: S607
    try:
        health = wait_for(f"{base}/healthz", process, START_TIMEOUT)
        say(f"/healthz {health} after {time.monotonic() - started:.0f} s")
        ready = wait_for(f"{base}/readyz", process, 60)
        if ready != {"status": "ok", "database": "ok", "redis": "ok"}:
            raise SmokeFailure(f"/readyz answered {ready}")
        say(f"/readyz {ready}")
        page = sign_in(base)
        if "Sarah" not in page:
            raise SmokeFailure("the demo patient's home page does not greet her")
        say("signed in as the demo patient and read her home page")
    finally:
        if process.poll() is None:
            code = stop_as_ctrl_c(process)
            say(f"stopped with Ctrl-C (make exited {code})")
    deadline = time.monotonic() + 10
    while (left := run_processes()) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        raise SmokeFailure("processes left after Ctrl-C:\n  " + "\n  ".join(left))
    if not port_is_free(port):
        raise SmokeFailure(f"port {port} is still taken after Ctrl-C")
    say("no process and no port left behind")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--require-empty-var", action="store_true")
    arguments = parser.parse_args()
    try:
        smoke(arguments.port, arguments.require_empty_var)
    except SmokeFailure as failure:
        say(f"FAILED: {failure}")
        return 1
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
