"""Django's `flush`, run as the tables' owner: emptying the audit log is not something the app role may do.

Test runs use it between transactional tests (they connect as the least-privileged app role, as web and
workers do; see tests/conftest.py). With no DATABASE_OWNER_URL set it is Django's flush unchanged.
"""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not settings.DATABASE_OWNER_URL:
            super().handle(**options)
            return
        connection = connections[options["database"]]
        owner = dj_database_url.parse(settings.DATABASE_OWNER_URL)
        as_app = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
        connection.close()
        connection.settings_dict.update(USER=owner["USER"], PASSWORD=owner["PASSWORD"])
        try:
            super().handle(**options)
        finally:
            connection.close()
            connection.settings_dict.update(as_app)
