"""Shared fixtures: the pinned clock, a clean cache, everyday people, and clients signed in as them."""

from __future__ import annotations

import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from portal.celery import app
from portal.factories import PatientFactory, StaffMemberFactory, UserFactory
from portal.models import User
from tests.clock import PINNED, Clock


def pytest_configure(config: pytest.Config) -> None:
    """A pytest-xdist worker runs on its own Redis database (tests/settings.py), or not at all."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("PORTAL_TEST_REDIS_WORKER") != worker:  # tests.settings.DONE
        raise pytest.UsageError(
            f"pytest-xdist worker {worker} would share Redis with the other workers: run the suite with"
            f" DJANGO_SETTINGS_MODULE=tests.settings (pyproject.toml), not {django_settings.SETTINGS_MODULE}"
        )


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> Clock:
    """Every test runs on the pinned clock (tests/clock.py); a test that needs another time moves it."""
    pinned = Clock(time_machine)
    pinned.move_to(PINNED)
    return pinned


# The role tests run as, made by `manage.py db_roles` exactly as production's web and workers' role is.
APP_ROLE = "portal_app_test"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django's fixture, extended
    """Migrate as the owner (DATABASE_URL), then run every test as the least-privileged app role.

    So a test that passes here passes in production too, where the app cannot rewrite the audit log.
    `flush` between transactional tests runs as the owner (portal/management/commands/flush.py).
    """
    owner = connection.settings_dict
    # The role is the cluster's, shared by every test database: pytest-xdist's workers (and other
    # checkouts' runs) bring it up to date one at a time, or PostgreSQL may refuse one of two
    # concurrent ALTER ROLEs ("tuple concurrently updated").
    with django_db_blocker.unblock(), (Path(tempfile.gettempdir()) / "portal-test-db-roles.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        call_command("db_roles", app_url=f"postgres://{APP_ROLE}@{owner['HOST']}/{owner['NAME']}", stdout=io.StringIO())
    owner_url = f"postgres://{owner['USER']}:{owner['PASSWORD']}@{owner['HOST']}:{owner['PORT'] or 5432}/x"
    django_settings.DATABASE_OWNER_URL = owner_url
    connection.close()
    # In place: connections other threads open (the browser tests' live server) read the same dict.
    as_owner = {"USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}
    owner.update(USER=APP_ROLE, PASSWORD="")
    yield
    # Dropping the test database is the owner's to do.
    connection.close()
    owner.update(as_owner)


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """Hashing strength is not under test; the suite makes hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_first() -> None:
    """Django's LocaleMiddleware leaves a request's language active in the thread; start each test in English."""
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Rate-limit counters live in Redis; each test starts with none."""
    cache.clear()


@pytest.fixture
def patient(db: None):
    return PatientFactory()


@pytest.fixture
def nurse(db: None, patient):
    return StaffMemberFactory(organization=patient.home_organization)


@pytest.fixture
def user(db: None):
    return UserFactory()


def sign_in(client: Client, user: User, *, second_factor: bool = False) -> Client:
    """Sign `user` in; with `second_factor`, as if they had also entered their app's code."""
    client.force_login(user)
    if second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="phone", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Queued tasks run at once in this process, so their email lands in the test outbox."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
