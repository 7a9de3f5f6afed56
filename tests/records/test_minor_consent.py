"""Teenagers' sensitive care is confidential by default: the built-in minor-consent rules mark it
at import and when a patient turns 12, and a parent acting for a 12-17-year-old finds no trace of
it on any record page, in the downloads or through the FHIR API. The teen and the care team still
see it; at 18 the rules stop; a care team's decision is never undone by them."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pypdf import PdfReader

from portal.factories import PatientFactory, ProxyGrantFactory, StaffMemberFactory, born_years_ago
from portal.models import AuditEvent, Patient, Scope
from records import minor_consent
from records.downloads import SECTION_SLUGS
from records.models import ConfidentialityDecision, RecordItem, SourcePatientLink
from records.services import minor_consent as rules
from records.services.imports import import_run_create, import_run_execute
from tests.conftest import sign_in
from tests.records.conftest import bundle_of, write_json

pytestmark = pytest.mark.django_db

SNOMED, LOINC = "http://snomed.info/sct", "http://loinc.org"
RXNORM, ICD10 = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://hl7.org/fhir/sid/icd-10-cm"
PATIENT = {"reference": "Patient/src-1"}
WHEN = "2026-10-05T15:00:00Z"

# Words that only the sensitive items carry, and ordinary ones only the others do.
SECRETS = ("anxiety", "sertraline", "fluoxetine", "doxycycline", "chlamyd", "counsel", "phq-9", "hiv 1 and 2", "51.3")
ORDINARY = ("Asthma", "albuterol", "Hemoglobin A1c", "growing well", "Well child visit")
FHIR_TYPES = ("Condition", "MedicationRequest", "Encounter", "DocumentReference", "Observation")


def concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def ref(resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def condition(rid: str, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "subject": PATIENT, "code": code, "onsetDateTime": WHEN}


def medicine(rid: str, code: str, display: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "active",
        "intent": "order",
        "subject": PATIENT,
        "medicationCodeableConcept": concept(RXNORM, code, display),
        "authoredOn": WHEN,
        **extra,
    }


def visit(rid: str, kind: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": rid,
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [concept(SNOMED, *kind)],
        "subject": PATIENT,
        "period": {"start": WHEN, "end": WHEN},
        **extra,
    }


def note(rid: str, text: str, encounter: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": rid,
        "status": "current",
        "type": concept(LOINC, "11506-3", "Progress note"),
        "subject": PATIENT,
        "date": WHEN,
        "content": [{"attachment": {"contentType": "text/plain", "data": base64.b64encode(text.encode()).decode()}}],
        "context": {"encounter": [ref(encounter)]},
    }


def observation(rid: str, code: str, display: str, value: float, unit: str, category: str, **extra: Any):
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [{"coding": [{"code": category}]}],
        "code": concept(LOINC, code, display),
        "subject": PATIENT,
        "effectiveDateTime": WHEN,
        "valueQuantity": {"value": value, "unit": unit},
        **extra,
    }


def teen_record() -> list[dict[str, Any]]:
    """Everything a 15-year-old's clinic might send: ids starting "secret" are care she may consent to."""
    return [
        condition("secret-anxiety", concept(SNOMED, "197480006", "Anxiety disorder")),
        condition("secret-chlamydia", concept(ICD10, "A56.01", "Chlamydial cystitis and urethritis")),
        condition("plain-asthma", concept(SNOMED, "195967001", "Asthma")),
        medicine("secret-sertraline", "312941", "sertraline 50 MG Oral Tablet"),
        medicine("secret-fluoxetine", "0000001", "fluoxetine 20 MG Oral Capsule"),  # by ingredient name
        medicine(
            "secret-doxycycline", "1649988", "doxycycline 100 MG Oral Tablet", reasonReference=[ref("secret-chlamydia")]
        ),
        medicine("plain-albuterol", "745679", "albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"),
        visit(
            "secret-visit",
            ("390906007", "Follow-up encounter"),
            reasonCode=[concept(SNOMED, "197480006", "Anxiety disorder")],
        ),
        visit("plain-visit", ("410620009", "Well child visit")),
        note("secret-note", "Weekly counseling helps; keep going.", "secret-visit"),
        note("plain-note", "She is growing well.", "plain-visit"),
        observation(
            "secret-weight", "29463-7", "Body weight", 51.3, "kg", "vital-signs", encounter=ref("secret-visit")
        ),
        observation("plain-weight", "29463-7", "Body weight", 50.1, "kg", "vital-signs", encounter=ref("plain-visit")),
        observation("secret-phq9", "44261-6", "PHQ-9 total score", 12, "{score}", "survey"),
        observation("secret-hiv", "75622-1", "HIV 1 and 2 Ag+Ab screening", 0, "{index}", "laboratory"),
        observation("plain-a1c", "4548-4", "Hemoglobin A1c", 5.2, "%", "laboratory"),
    ]


def import_for(patient: Patient, resources: list[dict[str, Any]], tmp_path: Path) -> None:
    source = patient.home_organization
    SourcePatientLink.objects.get_or_create(
        source=source, source_patient_id="src-1", defaults={"patient": patient, "matched_by": "identifier"}
    )
    path = write_json(tmp_path, "bundle.json", bundle_of(*resources))
    import_run_execute(run_id=import_run_create(source=source, path=path).pk, path=path)


def confidential_ids(patient: Patient) -> set[str]:
    return set(
        RecordItem.objects.filter(patient=patient, confidential=True).values_list("record__resource_id", flat=True)
    )


def secret_ids() -> set[str]:
    return {resource["id"] for resource in teen_record() if resource["id"].startswith("secret")}


@pytest.fixture
def teen(tmp_path: Path) -> Patient:
    patient = PatientFactory(birth_date=born_years_ago(15))
    import_for(patient, teen_record(), tmp_path)
    return patient


def record_text(client: Client, patient: Patient) -> str:
    """Every record page, both downloads, the FHIR API and the activity, as one lower-case text."""
    base = f"/p/{patient.pk}/record/"
    urls = [base, f"{base}results/", f"{base}results/29463-7/", f"{base}results/44261-6/", f"{base}results/75622-1/"]
    urls += [f"{base}{page}/" for page in ("problems", "medications", "visits", "documents", "procedures")]
    urls += [f"{base}documents/{item.pk}/" for item in RecordItem.objects.filter(kind=RecordItem.Kind.DOCUMENT)]
    texts = [client.get(url).content.decode() for url in urls]
    for fmt in ("pdf", "fhir"):
        response = client.post(f"{base}download/", {"format": fmt, "sections": list(SECTION_SLUGS)})
        assert response.status_code == 200
        texts.append(pdf_text(response.content) if fmt == "pdf" else response.content.decode())
    fhir = [f"{kind}?patient={patient.pk}" for kind in FHIR_TYPES] + [f"Patient/{patient.pk}/$everything"]
    texts += [json.dumps(client.get(f"/fhir/R4/{path}").json()) for path in fhir]
    texts.append(json.dumps(client.get(f"/api/v1/patients/{patient.pk}/activity/").json()))
    return "\n".join(texts).lower()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# -- the code lists ---------------------------------------------------------------------------------------


def test_the_shipped_code_lists_load_with_their_review_and_every_state_profile() -> None:
    lists = minor_consent.load()

    assert sorted(lists.categories) == ["mental_health", "pregnancy", "sexual_health", "sti_hiv", "substance_use"]
    assert lists.review.compiled_on == date(2026, 12, 7)
    assert lists.review.clinical_approval == "pending"
    assert [category.key for category in lists.for_state("IL")] == list(lists.states["default"])


def test_the_loinc_check_digit_matches_the_users_guide_and_known_codes() -> None:
    valid = ["12345-5", "4548-4", "718-7", "44261-6", "75622-1"]  # the Users' Guide example first
    assert [minor_consent.loinc_check_digit_ok(code) for code in valid] == [True] * 5
    assert [minor_consent.loinc_check_digit_ok(code) for code in ("12345-4", "4548", "x-1")] == [False] * 3


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ('loinc = ["44261-7"]', "'44261-7' is not a LOINC code with a valid check digit"),
        ('snomed = ["F41"]', "'F41' is not a SNOMED CT concept id"),
        ('icd10 = ["f41"]', "'f41' is not an ICD-10-CM code or prefix"),
        ('rxnorm = ["36437", "36437"]', "lists a code twice"),
        ('ingredients = ["Sertraline"]', "'Sertraline' is not a lower-case ingredient name"),
    ],
)
def test_a_mistake_in_a_code_list_stops_the_load_and_says_where(tmp_path: Path, mistake: str, message: str) -> None:
    path = tmp_path / "lists.toml"
    path.write_text(
        '[review]\ncompiled_by = "x"\ncompiled_on = 2026-12-07\nclinical_approval = "Dr A"\nlegal_approval = "B"\n'
        f'[categories.mental_health]\nlabel = "Mental health"\n{mistake}\n'
        '[states.default]\ncategories = ["mental_health"]\n'
    )

    with pytest.raises(ImproperlyConfigured, match="categories.mental_health") as raised:
        minor_consent.load(path)

    assert message in str(raised.value)


def test_lists_without_who_reviewed_them_do_not_load(tmp_path: Path) -> None:
    path = tmp_path / "lists.toml"
    path.write_text('[categories.x]\nlabel = "X"\nsnomed = ["197480006"]\n[states.default]\ncategories = ["x"]\n')

    with pytest.raises(ImproperlyConfigured, match="who reviewed the lists, and when"):
        minor_consent.load(path)


def test_an_unknown_state_is_refused_with_the_known_ones(settings) -> None:
    settings.MINOR_CONSENT_STATE = "Atlantis"

    with pytest.raises(ImproperlyConfigured, match="'Atlantis'.*known: IL, default"):
        minor_consent.categories_here()


# -- at import ---------------------------------------------------------------------------------------------


def test_a_teens_sensitive_care_is_marked_confidential_at_import(teen: Patient) -> None:
    assert confidential_ids(teen) == secret_ids()
    by_id = dict(RecordItem.objects.filter(patient=teen).values_list("record__resource_id", "sensitivity"))
    assert by_id["secret-doxycycline"] == "sti_hiv"  # its reasonReference
    assert by_id["secret-note"] == by_id["secret-weight"] == "mental_health"  # recorded at that visit
    assert set(
        RecordItem.objects.filter(patient=teen, confidential=True).values_list("confidential_by", flat=True)
    ) == {RecordItem.ConfidentialBy.RULE}


def test_a_visit_arriving_after_its_note_still_makes_the_note_confidential(tmp_path: Path) -> None:
    patient = PatientFactory(birth_date=born_years_ago(14))
    resources = teen_record()
    import_for(patient, [r for r in resources if r["id"] == "secret-note"], tmp_path)
    import_for(patient, [r for r in resources if r["id"] == "secret-visit"], tmp_path)

    assert confidential_ids(patient) == {"secret-visit"}  # the note came first and pointed at nothing yet
    rules.minor_consent_sweep()

    assert confidential_ids(patient) == {"secret-visit"}


def test_in_one_import_a_later_visit_is_followed(tmp_path: Path) -> None:
    patient = PatientFactory(birth_date=born_years_ago(14))
    resources = [r for r in teen_record() if r["id"] in ("secret-note", "secret-visit")]
    resources.sort(key=lambda r: r["resourceType"] != "DocumentReference")  # the note first

    import_for(patient, resources, tmp_path)

    assert confidential_ids(patient) == {"secret-note", "secret-visit"}


def test_at_18_the_rules_mark_nothing(tmp_path: Path) -> None:
    adult = PatientFactory(birth_date=born_years_ago(18, days=0))

    import_for(adult, teen_record(), tmp_path)
    marked = rules.minor_consent_sweep()

    assert marked == 0
    assert confidential_ids(adult) == set()
    assert RecordItem.objects.get(record__resource_id="secret-anxiety").sensitivity == "mental_health"


def test_a_state_that_leaves_a_category_out_does_not_mark_it(tmp_path: Path, settings, monkeypatch) -> None:
    shipped = minor_consent.CODE_LISTS.read_text()
    path = tmp_path / "lists.toml"
    path.write_text(shipped + '\n[states.XX]\nname = "Test"\ncategories = ["mental_health"]\n')
    monkeypatch.setattr(minor_consent, "code_lists", lambda: minor_consent.load(path))
    settings.MINOR_CONSENT_STATE = "XX"
    patient = PatientFactory(birth_date=born_years_ago(15))

    import_for(patient, teen_record(), tmp_path)

    assert confidential_ids(patient) == secret_ids() - {"secret-chlamydia", "secret-doxycycline", "secret-hiv"}


# -- the sweep ---------------------------------------------------------------------------------------------


def test_on_the_12th_birthday_the_sweep_marks_earlier_items_once(tmp_path: Path) -> None:
    child = PatientFactory(birth_date=date(2014, 3, 10))
    chicago = ZoneInfo("America/Chicago")
    with time_machine.travel(datetime(2026, 3, 9, 12, 0, tzinfo=chicago), tick=False):
        import_for(child, teen_record(), tmp_path)
        untouched = confidential_ids(child)

    with time_machine.travel(datetime(2026, 3, 10, 0, 5, tzinfo=chicago), tick=False):
        first = rules.minor_consent_sweep()
        second = rules.minor_consent_sweep()

    assert untouched == set()
    assert (first, second) == (len(secret_ids()), 0)
    assert confidential_ids(child) == secret_ids()
    event = AuditEvent.objects.get(patient=child, object_type="records.Confidentiality")
    assert (event.acting_as, event.confidential, event.actor_id) == (AuditEvent.ActingAs.SYSTEM, True, None)


def test_the_sweep_classifies_items_imported_before_the_rules(teen: Patient) -> None:
    RecordItem.objects.filter(patient=teen).update(sensitivity=None, confidential=False, confidential_by="")

    marked = rules.minor_consent_sweep()

    assert marked == len(secret_ids())
    assert confidential_ids(teen) == secret_ids()
    assert not RecordItem.objects.filter(patient=teen, sensitivity__isnull=True).exists()


# -- the care team decides -------------------------------------------------------------------------------


def test_a_staff_unmark_needs_a_reason_and_the_sweep_never_undoes_it(client: Client, teen: Patient) -> None:
    nurse = StaffMemberFactory(organization=teen.home_organization).user
    item = RecordItem.objects.get(record__resource_id="secret-fluoxetine")
    sign_in(client, nurse, second_factor=True)
    url = f"/p/{teen.pk}/record/items/{item.pk}/confidential/"

    refused = client.post(url, {"confidential": "0", "reason": "  "}, follow=True)
    item.refresh_from_db()
    assert item.confidential is True
    assert "Say why" in refused.content.decode()

    client.post(url, {"confidential": "0", "reason": "She asked us to share her medicines with her mother."})
    marked = rules.minor_consent_sweep()

    item.refresh_from_db()
    assert (item.confidential, item.confidential_by, marked) == (False, RecordItem.ConfidentialBy.STAFF, 0)
    decision = ConfidentialityDecision.objects.get(item=item)
    assert (decision.confidential, decision.decided_by, decision.reason) == (
        False,
        nurse,
        "She asked us to share her medicines with her mother.",
    )
    assert AuditEvent.objects.get(object_type="records.Confidentiality", object_id=str(item.pk)).confidential


# -- the attack: a parent acting for a 12-17-year-old ----------------------------------------------------


def test_a_parent_of_a_teen_finds_no_trace_of_her_sensitive_care_anywhere(teen: Patient) -> None:
    own = sign_in(Client(), teen.user)
    own.get(f"/p/{teen.pk}/record/documents/{RecordItem.objects.get(record__resource_id='secret-note').pk}/")
    parent = sign_in(Client(), ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS], is_guardian=True).grantee)

    seen = record_text(parent, teen)

    assert [word for word in SECRETS if word in seen] == []
    assert [word for word in ORDINARY if word.lower() not in seen] == []
    assert client_status(parent, f"/p/{teen.pk}/record/documents/{_pk('secret-note')}/") == 404
    assert client_status(parent, f"/fhir/R4/Condition/{_record_pk('secret-anxiety')}") == 404
    assert fhir_total(parent, f"Observation?patient={teen.pk}&code=29463-7") == 1


def test_the_teen_and_her_care_team_still_see_everything(teen: Patient) -> None:
    nurse = StaffMemberFactory(organization=teen.home_organization).user
    for viewer in (sign_in(Client(), teen.user), sign_in(Client(), nurse, second_factor=True)):
        seen = record_text(viewer, teen)

        assert [word for word in SECRETS if word not in seen] == []
        assert fhir_total(viewer, f"Observation?patient={teen.pk}&code=29463-7") == 2


def test_at_18_a_parents_grant_made_on_the_minor_has_ended(teen: Patient) -> None:
    grant = ProxyGrantFactory(patient=teen, scopes=[Scope.RECORDS], is_guardian=True)
    eighteenth = teen.birth_date.replace(year=teen.birth_date.year + 18)

    with time_machine.travel(datetime.combine(eighteenth, time(12), ZoneInfo("America/Chicago")), tick=False):
        parent = sign_in(Client(), grant.grantee)

        assert client_status(parent, f"/p/{teen.pk}/record/problems/") == 404
        assert client_status(parent, f"/fhir/R4/Patient/{teen.pk}/$everything") == 404


def client_status(client: Client, url: str) -> int:
    return client.get(url).status_code


def fhir_total(client: Client, path: str) -> int:
    response = client.get(f"/fhir/R4/{path}")
    assert response.status_code == 200, response.content
    return response.json()["total"]


def _pk(resource_id: str) -> int:
    return RecordItem.objects.get(record__resource_id=resource_id).pk


def _record_pk(resource_id: str) -> int:
    return RecordItem.objects.get(record__resource_id=resource_id).record_id
