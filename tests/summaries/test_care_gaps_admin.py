"""Administrators configure care gap rules in the admin, validated field by field; the starter set
loads unapproved and never overwrites what an administrator or a clinician decided."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal.factories import UserFactory
from summaries.models import CareGapRule
from summaries.services.care_gaps import DEMO_APPROVAL, STARTER_RULES, load_starter_rules, starter_rules
from tests.conftest import sign_in
from tests.files import copy_of, replace_once

pytestmark = pytest.mark.django_db

VALID: dict[str, Any] = {
    "key": "a1c_local",
    "name_en": "A1c every 6 months",
    "name_es": "A1c cada 6 meses",
    "condition_codes": "snomed 44054006\nicd10 e11",
    "medication_codes": "",
    "medication_names": "",
    "min_age": "",
    "max_age": "",
    "sex": "",
    "closing_codes": "loinc 4548-4  # hemoglobin A1c",
    "interval_months": "6",
    "season_start_month": "",
    "season_start_day": "",
    "coming_due_days": "30",
    "is_active": "on",
    "approved_by": "",
    "approved_on": "",
}


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = UserFactory(is_staff=True, is_superuser=True, full_name="Ada Admin")
    return sign_in(client, admin, second_factor=True)


def _errors(client: Client, **changes: Any) -> dict[str, list[str]]:
    response = client.post(reverse("admin:summaries_caregaprule_add"), {**VALID, **changes})
    assert response.status_code == 200, "the form should have been refused"
    form = response.context["adminform"].form
    return {field: list(messages) for field, messages in form.errors.items()}


def test_the_add_page_says_a_rule_waits_for_a_clinician_and_names_the_demo_approval(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:summaries_caregaprule_add")).content.decode()
    assert "evaluated only once a clinician has approved it" in page
    assert DEMO_APPROVAL in page


def test_a_valid_rule_saves_with_icd10_prefixes_upper_cased(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:summaries_caregaprule_add"), VALID)
    assert response.status_code == 302
    rule = CareGapRule.objects.get(key="a1c_local")
    assert [(code.system, code.code) for code in rule.conditions()] == [("snomed", "44054006"), ("icd10", "E11")]
    assert not rule.is_approved


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"closing_codes": "loinc 4548-5"}, "closing_codes", "is not a LOINC code with a correct check digit"),
        ({"closing_codes": "cvx 140\nrxnorm 36567"}, "closing_codes", "Line 2: rxnorm is not one of"),
        ({"closing_codes": "cvx 140 141"}, "closing_codes", "write a code system and a code"),
        ({"closing_codes": ""}, "closing_codes", "This field is required."),
        ({"condition_codes": "snomed 44054006\nsnomed 44054006"}, "condition_codes", "is listed twice"),
        ({"medication_codes": "rxnorm statin"}, "medication_codes", "is not an RxNorm code"),
        ({"condition_codes": ""}, "condition_codes", "Say who it applies to"),
        ({"min_age": "75", "max_age": "45"}, "max_age", "must not be below the lower age"),
        ({"interval_months": ""}, "interval_months", "Give an interval in months, or a season start"),
        ({"season_start_month": "8", "season_start_day": "1"}, "interval_months", "not both"),
        (
            {"interval_months": "", "season_start_month": "2", "season_start_day": "30"},
            "season_start_day",
            "a day that exists in that month",
        ),
        ({"interval_months": "", "season_start_month": "13", "season_start_day": "1"}, "season_start_month", "1 to 12"),
        ({"approved_by": "Dr Rivera"}, "approved_on", "needs both who approved and when"),
        ({"approved_on": "2026-12-01"}, "approved_by", "needs both who approved and when"),
        ({"approved_by": "Dr Rivera", "approved_on": "2027-01-01"}, "approved_on", "cannot be dated in the future"),
    ],
)
def test_a_bad_rule_is_refused_with_an_error_on_its_field(
    admin_client: Client, changes: dict[str, str], field: str, words: str
) -> None:
    errors = _errors(admin_client, **changes)
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]
    assert not CareGapRule.objects.exists()


def test_the_approve_action_signs_the_rules_with_the_administrators_name(admin_client: Client) -> None:
    load_starter_rules()
    rules = CareGapRule.objects.filter(key__in=["a1c", "flu"])
    response = admin_client.post(
        reverse("admin:summaries_caregaprule_changelist"),
        {"action": "approve_as_me", "_selected_action": [rule.pk for rule in rules]},
    )
    assert response.status_code == 302
    approved = CareGapRule.objects.exclude(approved_by="")
    assert sorted(approved.values_list("key", "approved_by")) == [("a1c", "Ada Admin"), ("flu", "Ada Admin")]


# The starter set ------------------------------------------------------------------------------


def test_the_starter_set_holds_the_seven_rules_each_pending_approval() -> None:
    rules = starter_rules()
    assert sorted(rule.key for rule in rules) == [
        "a1c",
        "blood_pressure",
        "breast",
        "cervical",
        "colorectal",
        "flu",
        "lipids",
    ]
    assert not any(rule.is_approved for rule in rules)
    assert all(rule.name_en and rule.name_es and rule.name_en != rule.name_es for rule in rules)


def test_loading_adds_what_is_missing_and_keeps_an_administrators_edits_and_approval() -> None:
    out = StringIO()
    call_command("load_care_gap_rules", stdout=out)
    assert "7 rules added." in out.getvalue()
    CareGapRule.objects.filter(key="a1c").update(
        interval_months=3, approved_by="Dr Rivera, MD", approved_on="2026-11-02"
    )
    CareGapRule.objects.filter(key="flu").delete()

    assert [rule.key for rule in load_starter_rules()] == ["flu"]
    a1c = CareGapRule.objects.get(key="a1c")
    assert (a1c.interval_months, a1c.approved_by) == (3, "Dr Rivera, MD")
    assert CareGapRule.objects.count() == 7 and not CareGapRule.objects.get(key="flu").is_approved


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('"loinc 4548-4  # hemoglobin A1c/hemoglobin.total in blood"', '"loinc 4548-3"', "check digit"),
        ('approval = "pending clinical approval"', 'approval = "approved"', "pending clinical approval"),
        ("interval_months = 6", "interval_months = 6\ncolour = 1", "unknown fields colour"),
        ('sex = "female"', 'sex = "woman"', "rules.cervical"),
    ],
)
def test_a_broken_starter_file_is_refused_naming_the_rule(tmp_path: Path, old: str, new: str, words: str) -> None:
    path = copy_of(STARTER_RULES, tmp_path)
    replace_once(path, old, new)
    with pytest.raises(ImproperlyConfigured, match=words):
        starter_rules(path)
