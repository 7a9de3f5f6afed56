"""Pharmacies: one a patient adds is theirs alone (never listed or chosen for anyone else), no
pharmacy is chosen for a patient who has not chosen one, and a teenager's pharmacy chosen with a
confidential request is hidden from her parent, who cannot change it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.factories import PatientFactory, ProxyGrantFactory, born_years_ago
from portal.services.errors import ServiceError
from refills.models import Pharmacy, PreferredPharmacy
from refills.services import requests as services
from tests.conftest import sign_in
from tests.refills.arrange import LISINOPRIL, prescription
from tests.refills.conftest import Clinic, form_key, key

pytestmark = pytest.mark.django_db


def _add(client: Client, patient_id: object) -> None:
    response = client.post(
        reverse("refills_pharmacies", kwargs={"patient_id": patient_id}),
        {"add": "1", "name": "Corner Drugs", "address": "9 Elm St", "phone": ""},
    )
    assert response.status_code == 302


def test_a_pharmacy_one_patient_adds_is_never_shown_or_usable_for_another(clinic: Clinic) -> None:
    alice = PatientFactory(home_organization=clinic.home)
    bob = PatientFactory(home_organization=clinic.home)
    prescription(bob, LISINOPRIL)
    prescription(alice, LISINOPRIL)
    _add(sign_in(Client(), alice.user), alice.pk)
    added = Pharmacy.objects.get(name="Corner Drugs")
    client = sign_in(Client(), bob.user)

    found = client.get(reverse("refills_pharmacies", kwargs={"patient_id": bob.pk}), {"q": "Corner"})
    form = client.get(reverse("refills_new", kwargs={"patient_id": bob.pk}))
    chosen = client.post(
        reverse("refills_pharmacies", kwargs={"patient_id": bob.pk}), {"pharmacy": added.pk}, follow=False
    )

    assert added.added_for == alice
    assert "Corner Drugs" not in found.content.decode()
    assert "Corner Drugs" not in form.content.decode()
    assert chosen.status_code == 200  # refused: the page again, with the error
    assert not PreferredPharmacy.objects.filter(patient=bob).exists()
    assert (
        "Corner Drugs"
        in sign_in(Client(), alice.user).get(reverse("refills_new", kwargs={"patient_id": alice.pk})).content.decode()
    )


def test_without_a_preferred_pharmacy_the_form_preselects_none(clinic: Clinic) -> None:
    patient = PatientFactory(home_organization=clinic.home)
    prescription(patient, LISINOPRIL)
    client = sign_in(Client(), patient.user)
    url = reverse("refills_new", kwargs={"patient_id": patient.pk})

    page = client.get(url).content.decode()
    refused = client.post(url, {"medicines": [key(LISINOPRIL[0])], "days_supply": 90, "idempotency_key": form_key()})

    options = page.split('name="pharmacy"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a pharmacy</option>' in options
    assert options.count("selected") == 1
    assert "Choose a pharmacy." in refused.content.decode()


def test_a_teens_pharmacy_chosen_with_a_confidential_request_is_hidden_from_her_parent(clinic: Clinic) -> None:
    teen = PatientFactory(home_organization=clinic.home, birth_date=born_years_ago(15))
    prescription(teen, LISINOPRIL, confidential=True)
    parent = ProxyGrantFactory(patient=teen, made_on_minor=True).grantee
    services.request_submit(
        access=clinic.access(teen.user, teen),
        actor=teen.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=clinic.pharmacy.pk,
        days_supply=30,
        note="",
        idempotency_key=form_key(),
        make_preferred=True,
    )
    other = Pharmacy.objects.create(name="Other Pharmacy", address="1 Oak St")

    page = sign_in(Client(), parent).get(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk}))
    with pytest.raises(ServiceError):
        services.pharmacy_prefer(access=clinic.access(parent, teen), actor=parent, pharmacy_id=other.pk)

    assert "Your requests go to" not in page.content.decode()
    assert PreferredPharmacy.objects.get(patient=teen).pharmacy == clinic.pharmacy


def test_a_parents_request_with_use_from_now_on_keeps_the_teens_confidential_pharmacy(clinic: Clinic) -> None:
    teen = PatientFactory(home_organization=clinic.home, birth_date=born_years_ago(15))
    prescription(teen, LISINOPRIL, confidential=True)
    prescription(teen, ("197361", "amlodipine 5 MG Oral Tablet"))
    parent = ProxyGrantFactory(patient=teen, made_on_minor=True).grantee
    services.pharmacy_prefer(
        access=clinic.access(teen.user, teen), actor=teen.user, pharmacy_id=clinic.pharmacy.pk, confidential=True
    )
    other = Pharmacy.objects.create(name="Other Pharmacy", address="1 Oak St")

    made = services.request_submit(
        access=clinic.access(parent, teen),
        actor=parent,
        medication_keys=[key("197361")],
        pharmacy_id=other.pk,
        days_supply=30,
        note="",
        idempotency_key=form_key(),
        make_preferred=True,
    )

    assert made[0].pharmacy == other
    assert PreferredPharmacy.objects.get(patient=teen).pharmacy == clinic.pharmacy


def test_a_pharmacy_a_teen_added_herself_is_never_shown_to_her_parent(clinic: Clinic) -> None:
    teen = PatientFactory(home_organization=clinic.home, birth_date=born_years_ago(15))
    prescription(teen, LISINOPRIL, confidential=True)
    parent = ProxyGrantFactory(patient=teen, made_on_minor=True).grantee
    teen_client = sign_in(Client(), teen.user)
    response = teen_client.post(
        reverse("refills_pharmacies", kwargs={"patient_id": teen.pk}),
        {"add": "1", "name": "Corner Drugs", "address": "9 Elm St", "phone": "555-0177"},
    )
    assert response.status_code == 302
    added = Pharmacy.objects.get(name="Corner Drugs")
    services.request_submit(
        access=clinic.access(teen.user, teen),
        actor=teen.user,
        medication_keys=[key(LISINOPRIL[0])],
        pharmacy_id=added.pk,
        days_supply=30,
        note="",
        idempotency_key=form_key(),
        make_preferred=True,
    )
    client = sign_in(Client(), parent)

    page = client.get(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk})).content.decode()
    found = client.get(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk}), {"q": "Corner"})
    form = client.get(reverse("refills_new", kwargs={"patient_id": teen.pk})).content.decode()
    api = client.get(reverse("api_refills_pharmacies", kwargs={"patient_id": teen.pk})).json()
    chosen = client.post(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk}), {"pharmacy": added.pk})

    for shown in (page, found.content.decode(), form, str(api)):
        assert "Corner Drugs" not in shown
        assert "9 Elm St" not in shown
        assert "555-0177" not in shown
    assert api["preferred"] is None
    assert chosen.status_code == 200  # refused: not one the parent may choose
    assert PreferredPharmacy.objects.get(patient=teen).pharmacy == added
    assert (
        "Corner Drugs"
        in teen_client.get(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk})).content.decode()
    )


def test_a_pharmacy_the_parent_added_for_her_teen_stays_the_parents_to_choose(clinic: Clinic) -> None:
    teen = PatientFactory(home_organization=clinic.home, birth_date=born_years_ago(15))
    prescription(teen, ("197361", "amlodipine 5 MG Oral Tablet"))
    parent = ProxyGrantFactory(patient=teen, made_on_minor=True).grantee
    client = sign_in(Client(), parent)
    _add(client, teen.pk)
    added = Pharmacy.objects.get(name="Corner Drugs")

    form = client.get(reverse("refills_new", kwargs={"patient_id": teen.pk})).content.decode()
    chosen = client.post(reverse("refills_pharmacies", kwargs={"patient_id": teen.pk}), {"pharmacy": added.pk})

    assert added.added_for == teen
    assert added.added_by_caregiver
    assert "Corner Drugs" in form
    assert chosen.status_code == 302
    assert PreferredPharmacy.objects.get(patient=teen).pharmacy == added
