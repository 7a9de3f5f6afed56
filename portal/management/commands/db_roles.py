"""Make (or bring up to date) the least-privileged role the web and workers run as.

Run by the owner of the tables right after `migrate` (compose's migrate service, `make run`, the test
set-up). The app role is not a superuser, owns nothing and may read and write the portal's tables, but on
the audit log it may only INSERT and SELECT: it cannot UPDATE, DELETE or TRUNCATE it, disable its trigger
(only an owner may) or set `session_replication_role` (only a superuser may). Safe to run again: grants
are re-applied to tables a later migration added.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

from portal.models import AuditEvent

READ_ONLY_APPEND = ("INSERT", "SELECT")


def app_role_from_url(url: str) -> tuple[str, str | None]:
    """The role name and password in a DATABASE_URL."""
    parts = urlsplit(url)
    if not parts.username:
        raise CommandError("The app's DATABASE_URL names no user.")
    return unquote(parts.username), unquote(parts.password) if parts.password else None


def grant_statements(role: str, owner: str, database: str, password: str | None) -> list[sql.Composable]:
    name = sql.Identifier(role)
    audit = sql.Identifier(AuditEvent._meta.db_table)
    # A new role has none of SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS; `handle` refuses an
    # existing one that has any (only a superuser could take them away).
    login: sql.Composable = sql.SQL("LOGIN")
    if password:
        login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(password))
    return [
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) THEN CREATE ROLE {}; END IF; END $$"
        ).format(sql.Literal(role), name),
        sql.SQL("ALTER ROLE {} {}").format(name, login),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
        sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        sql.SQL("REVOKE ALL ON {} FROM {}").format(audit, name),
        sql.SQL("GRANT INSERT, SELECT ON {} TO {}").format(audit, name),
        # Tables a later migration adds are usable before this command runs again (the audit rule is above).
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT {} ON TABLES TO {}").format(
            sql.Identifier(owner), sql.SQL("SELECT, INSERT, UPDATE, DELETE"), name
        ),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT {} ON SEQUENCES TO {}").format(
            sql.Identifier(owner), sql.SQL("USAGE, SELECT, UPDATE"), name
        ),
    ]


class Command(BaseCommand):
    help = "Create or update the app's database role (least privilege; INSERT and SELECT only on the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-url", required=True, help="the DATABASE_URL web and workers use")

    def handle(self, *args: Any, app_url: str, **options: Any) -> None:
        role, password = app_role_from_url(app_url)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
        if role == owner:
            raise CommandError(
                f"The app's database role ({role}) is the owner of the tables: give web and workers their own role."
            )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in grant_statements(role, owner, database, password):
                cursor.execute(statement.as_string(cursor.connection))
            cursor.execute(
                "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls"
                " FROM pg_roles WHERE rolname = %s",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(f"The app's database role ({role}) has powers it must not have (superuser, ...).")
        self.stdout.write(f"Database role {role}: ready (audit log: insert and select only).")
