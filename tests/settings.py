"""The suite's settings: portal.settings exactly, except that each pytest-xdist worker has its own Redis database.

Run serially (no PYTEST_XDIST_WORKER) this module changes nothing. Under `pytest -n N` every worker is
its own process with its own test database (pytest-django names it test_<name>_gw0, _gw1, ...) but the
same REDIS_URL, and the suite empties Redis before every test (tests/conftest.py's `_clean_cache`:
FLUSHDB, whatever the key prefix) and runs real Celery workers over it as a broker (a worker of one
pytest process would take another's tasks). So worker gwK moves REDIS_URL (and CELERY_BROKER_URL, when
set) K databases down from the one given, wrapping at Redis' 16: the default /15 gives 15, 14, ...;
a developer whose REDIS_URL ends in /N gets N, N-1, ... (keep the ones below N free, or pick N so).

The environment itself is changed, before portal.settings reads it, so processes a test starts
(`manage.py check`, a fresh interpreter queuing a task) inherit the worker's database too. Those that
import this module again (they inherit DJANGO_SETTINGS_MODULE) find it already done.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis' default `databases`
DONE = "PORTAL_TEST_REDIS_WORKER"  # set once the environment is the worker's


def worker_redis_url(url: str, worker: int) -> str:
    """`url` moved `worker` Redis databases down (redis://host:port/N, or unix://path?db=N)."""
    parts = urlsplit(url)
    if parts.scheme in {"unix", "redis+socket"}:
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) - worker) % REDIS_DATABASES)
        # Not urlunsplit: it drops the empty host, and unix:/path is no socket URL to redis-py.
        return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database - worker) % REDIS_DATABASES}"))


def _use_the_workers_redis() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or os.environ.get(DONE) == worker:
        return
    number = int(worker.removeprefix("gw"))
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ.get(name):
            os.environ[name] = worker_redis_url(os.environ[name], number)
    os.environ[DONE] = worker


_use_the_workers_redis()

from portal.settings import *  # noqa: E402, F403
