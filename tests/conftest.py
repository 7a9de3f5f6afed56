"""Shared fixtures: the pinned clock, a clean cache, everyday people, and clients signed in as them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from time_machine import TimeMachineFixture

from portal.factories import PatientFactory, StaffMemberFactory, UserFactory
from portal.models import User
from tests.clock import PINNED, Clock


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> Clock:
    """Every test runs on the pinned clock (tests/clock.py); a test that needs another time moves it."""
    pinned = Clock(time_machine)
    pinned.move_to(PINNED)
    return pinned


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
