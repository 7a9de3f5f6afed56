"""factory-boy factories for the portal core's models (tests and scale data)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from portal.models import CareTeamMembership, Organization, Patient, ProxyGrant, Scope, StaffMember, StaffRole, User

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - factories make test users only


def born_years_ago(years: int, days: int = 30) -> date:
    """A birth date that makes someone `years` old today (plus `days` past the birthday)."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - timedelta(days=days)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    kind = Organization.Kind.HOME_CLINIC


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    home_organization = factory.SubFactory(OrganizationFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = factory.LazyFunction(lambda: born_years_ago(40))
    user = factory.SubFactory(UserFactory)


class StaffMemberFactory(factory.django.DjangoModelFactory[StaffMember]):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = StaffRole.NURSE
    credentials = "RN"


class CareTeamMembershipFactory(factory.django.DjangoModelFactory[CareTeamMembership]):
    class Meta:
        model = CareTeamMembership

    patient = factory.SubFactory(PatientFactory)
    staff = factory.SubFactory(StaffMemberFactory)


class ProxyGrantFactory(factory.django.DjangoModelFactory[ProxyGrant]):
    """An accepted, active grant; pass status/grantee to make other states."""

    class Meta:
        model = ProxyGrant

    patient = factory.SubFactory(PatientFactory)
    grantee = factory.SubFactory(UserFactory)
    invited_email = factory.LazyAttribute(lambda grant: grant.grantee.email if grant.grantee else "carer@example.org")
    invited_name = factory.Faker("name")
    relationship = "daughter"
    scopes = factory.LazyFunction(lambda: list(Scope.values))
    status = ProxyGrant.Status.ACTIVE
    granted_by = factory.LazyAttribute(lambda grant: grant.patient.user or UserFactory())
    accepted_at = factory.LazyFunction(timezone.now)
    invitation_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    made_on_minor = factory.LazyAttribute(lambda grant: grant.patient.age_on(timezone.localdate()) < 18)
