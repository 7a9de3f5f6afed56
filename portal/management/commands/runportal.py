"""Runs the whole portal on one machine for `make run`: web server, Celery worker and beat, then stops them all.

manage.py has already called `portal.embedded.ensure_services()`, so DATABASE_URL and REDIS_URL are in the
environment (embedded PostgreSQL and Redis under var/ when none were configured) and every child inherits them.
Children run in their own process groups: Ctrl-C reaches only this runner, which then stops them in order
(beat, worker, web), kills what does not stop in time, and finally stops the embedded servers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from portal import embedded
from portal.management.commands.demo_data import login_table
from portal.models import Patient

START_TIMEOUT = 300  # seconds for the web server to answer /healthz (a busy 2-core machine is slow to start)
STOP_TIMEOUT = 10  # seconds a child gets to finish its current work before it is killed

Child = tuple[str, subprocess.Popen[bytes]]


def child_commands(port: int) -> list[tuple[str, list[str]]]:
    python = sys.executable
    schedule = str(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    Path(schedule).parent.mkdir(parents=True, exist_ok=True)
    return [
        ("web", [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]),
        ("worker", [python, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=2"]),
        ("beat", [python, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO", f"--schedule={schedule}"]),
    ]


def port_is_free(port: int) -> bool:
    """Checked first, because another server on the port would answer our /healthz for a web that failed."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver does; ignores TIME_WAIT
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_children(port: int) -> list[Child]:
    # process_group=0: a terminal's Ctrl-C goes to this runner only, so shutdown happens in our order.
    # As in production, web and workers never hold the owner's credentials (only migrations do).
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_OWNER_URL"}
    return [
        (name, subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment, process_group=0))  # noqa: S603
        for name, command in child_commands(port)
    ]


def stop_children(children: list[Child]) -> None:
    """Ask each child to stop (warm shutdown for Celery), wait, then kill its whole process group."""
    for _name, process in reversed(children):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for _name, process in reversed(children):
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Whatever the child left behind in its group (e.g. a pool process) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def first_exited(children: list[Child]) -> Child | None:
    return next((child for child in children if child[1].poll() is not None), None)


def wait_until_up(url: str, children: list[Child], stop: threading.Event) -> bool:
    """True once `url` answers 200; False if a child died, a stop was requested, or time ran out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and not stop.is_set() and first_exited(children) is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http://127.0.0.1 URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        stop.wait(0.5)
    return False


class Command(BaseCommand):
    help = "Migrate, load demo data into an empty database, and run web, worker and beat until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        stop = threading.Event()
        # Children (and links they write) follow the port this run serves on.
        os.environ["PORT"] = str(port)

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        children: list[Child] = []
        try:
            if not port_is_free(port):
                raise CommandError(f"Port {port} is in use. Stop what uses it, or run with PORT=<another port>.")
            self.prepare()
            signal.signal(signal.SIGINT, request_stop)
            signal.signal(signal.SIGTERM, request_stop)
            children = start_children(port)
            self.serve(port, children, stop)
        finally:
            if children:
                self.stdout.write("Stopping web, worker and beat...")
            stop_children(children)
            embedded.stop_services()
            self.stdout.write("Stopped.")

    def prepare(self) -> None:
        self.migrate_as_owner()
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not Patient.objects.exists():
            self.stdout.write("Empty database: loading the demo clinic...")
            call_command("demo_data", quiet=True)
        # The children open their own connections; this process needs none while it waits.
        connections.close_all()

    def migrate_as_owner(self) -> None:
        """Migrations run as the tables' owner; web and workers then run as the least-privileged app role.

        With no DATABASE_OWNER_URL (one role for everything, as some developers run) this process migrates.
        """
        owner_url = os.environ.get("DATABASE_OWNER_URL", "")
        app_url = os.environ["DATABASE_URL"]
        if not owner_url or owner_url == app_url:
            call_command("migrate", interactive=False, verbosity=1)
            return
        owner_env = {**os.environ, "DATABASE_URL": owner_url}
        manage = [sys.executable, "manage.py"]
        for command in (["migrate", "--noinput"], ["db_roles", "--app-url", app_url]):
            # Our own interpreter and manage.py with fixed arguments.
            subprocess.run([*manage, *command], cwd=settings.BASE_DIR, env=owner_env, check=True)  # noqa: S603

    def serve(self, port: int, children: list[Child], stop: threading.Event) -> None:
        url = f"http://127.0.0.1:{port}/"
        if not wait_until_up(f"{url}healthz", children, stop):
            if stop.is_set():
                return
            raise CommandError("The portal did not start; see the messages above.")
        embedded_db = str(embedded.VAR_DIR) in os.environ.get("DATABASE_URL", "")
        where = " (embedded PostgreSQL and Redis under var/)" if embedded_db else ""
        self.stdout.write(self.style.SUCCESS(f"\nThe portal is running at {url}{where}"))
        self.stdout.write(login_table())
        self.stdout.write("Press Ctrl-C to stop.\n")
        while not stop.wait(0.5):
            exited = first_exited(children)
            if exited is not None:
                name, process = exited
                raise CommandError(f"The {name} process stopped (exit code {process.returncode}); stopping the rest.")
