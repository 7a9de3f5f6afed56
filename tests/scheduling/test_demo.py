"""In the demo, administrators' rules decide what each demo patient may book."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.models import Patient
from scheduling.models import Appointment, VisitType
from scheduling.services.eligibility import check_eligibility


@pytest.mark.django_db
def test_the_demo_rules_decide_what_each_patient_may_book() -> None:
    call_command("demo_data", quiet=True)
    sarah = Patient.objects.get(mrn="LPC-100001")
    michael = Patient.objects.get(mrn="LPC-100003")
    types = {visit_type.name: visit_type for visit_type in VisitType.objects.select_related("organization")}

    def verdict(patient: Patient, name: str) -> tuple[bool, list[str]]:
        result = check_eligibility(patient=patient, visit_type=types[name])
        return result.may_book, result.reasons

    assert verdict(sarah, "Annual physical") == (True, [])
    assert verdict(michael, "Annual physical")[1] == [
        "“Annual physical” is for patients we have seen in the last 24 months. "
        "Please call (312) 555-0100 and we will find you a time."
    ]
    assert verdict(sarah, "New patient visit")[1] == [
        "“New patient visit” must be booked by phone because we need your past records and insurance before "
        "your first visit. Please call (312) 555-0100."
    ]
    assert verdict(sarah, "Follow-up visit")[1] == [
        "You already have an upcoming “Follow-up visit”. Change or cancel it instead of booking another."
    ]
    assert check_eligibility(patient=sarah, visit_type=types["Physical therapy"]).reasons == [
        "“Physical therapy” needs a referral from your care team. Send us a message or call (312) 555-0100."
    ]
    assert Appointment.objects.filter(status="booked").count() == 3
