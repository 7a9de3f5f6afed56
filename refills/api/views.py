"""Refills API for the patient and caregivers with the refills scope: the medicine list with each
medicine's action, refill requests (list, create, read, cancel), pharmacies (search). Every patient
is reached through the access policy (another patient's request answers 404); staff work from the
refill queue (404 here). Views parse, call one selector or service, and shape the answer.

Answers: 400 with field errors for bad input or a medicine that cannot be requested (in plain
words); 422 with the emergency guidance when a note's words suggest an emergency (messaging's
safety screen, applied by the service), until the findings are confirmed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from messaging import safety
from messaging.api.serializers import SafetyRefusalSerializer, safety_refusal
from portal.access import Access, Action
from portal.api.pagination import PAGE_PARAMETERS, PortalPagination, page_of
from portal.api.permissions import patient_side_access
from portal.models import User
from refills.api.serializers import (
    AlignmentCreateSerializer,
    AlignmentPlanSerializer,
    MedicineSerializer,
    PharmacyQuerySerializer,
    PharmacySearchSerializer,
    RefillRequestCreateSerializer,
    RefillRequestDetailSerializer,
    RefillRequestsCreatedSerializer,
    RefillRequestSerializer,
)
from refills.models import RefillEvent, RefillRequest
from refills.selectors import patient as selectors
from refills.services import requests as services
from refills.services.requests import clinic_today

SCREENED = {422: SafetyRefusalSerializer}


class RefillsView(APIView):
    """A note refused by the safety screen answers 422 with the guidance."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, safety.Unconfirmed):
            return Response(safety_refusal(exc), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return super().handle_exception(exc)


class MedicinesView(RefillsView):
    @extend_schema(responses=MedicineSerializer(many=True))
    def get(self, request: Request, patient_id: Any) -> Response:
        """Every medicine of the record (de-duplicated across sources, newest first) with the one
        action the patient may take: request a refill or a renewal, or why not, in plain words."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        rows = selectors.medicine_actions(access=access, actor=actor, today=clinic_today(access, timezone.now()))
        return Response(MedicineSerializer(rows, many=True).data)  # type: ignore[arg-type]  # many=True takes a list


def _with_events(requests: list[RefillRequest]) -> dict[int, list[RefillEvent]]:
    events: dict[int, list[RefillEvent]] = {r.pk: [] for r in requests}
    for event in RefillEvent.objects.filter(request__in=[r.pk for r in requests]).select_related("by"):
        events[event.request_id].append(event)
    return events


class RequestsView(RefillsView):
    @extend_schema(
        responses=page_of(RefillRequestSerializer),
        parameters=PAGE_PARAMETERS,
        operation_id="api_v1_patients_refills_requests_list",
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """The patient's refill requests, newest first (paginated)."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        rows = selectors.requests_list(access=access, actor=actor)
        paginator = PortalPagination()
        page = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(RefillRequestSerializer(page, many=True).data)

    @extend_schema(
        request=RefillRequestCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="A retry with the same key answers 200 with the requests it made.",
            )
        ],
        responses={201: RefillRequestsCreatedSerializer, 200: RefillRequestsCreatedSerializer, **SCREENED},
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Request one or several medicines at one pharmacy; one conversation in the clinic's refill
        pool carries them, with a named owner and answer time. Sending again with the same
        idempotency key answers 200 with what the first made; a medicine already requested is 400."""
        return _create(
            request,
            patient_id,
            RefillRequestCreateSerializer,
            lambda access, actor, data, key, now: services.request_submit(
                access=access,
                actor=actor,
                medication_keys=data["medicines"],
                pharmacy_id=data["pharmacy"],
                days_supply=int(data["days_supply"]),
                note=data["note"],
                idempotency_key=key,
                confirmed_flags=data["confirmed_flags"],
                make_preferred=data["make_preferred"],
                now=now,
            ),
        )


Submit = Callable[[Access, User, dict[str, Any], str, datetime], list[RefillRequest]]


def _create(request: Request, patient_id: Any, serializer: type[Serializer[Any]], submit: Submit) -> Response:
    """Parse the body, require an idempotency key (header or body), submit, and answer with the
    requests made: 201, or 200 when a retry found the ones made before."""
    access, actor = patient_side_access(request, patient_id, Action.REFILLS)
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    key = str(request.headers.get("Idempotency-Key") or data["idempotency_key"]).strip()
    if not key:
        return Response(
            {"idempotency_key": [_("Send an idempotency key, so a retry cannot request twice.")]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    now = timezone.now()
    made = submit(access, actor, data, key, now)
    created = all(r.created_at == now for r in made)
    rows = list(
        selectors.visible_requests(access)
        .filter(pk__in=[r.pk for r in made])
        .select_related("pharmacy", "thread", "thread__owner__user")
        .order_by("pk")
    )
    body = RefillRequestsCreatedSerializer({"requests": rows}, context={"events": _with_events(rows)}).data
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AlignmentView(RefillsView):
    @extend_schema(responses=AlignmentPlanSerializer)
    def get(self, request: Request, patient_id: Any) -> Response:
        """The plan to renew the long-term medicines to the annual visit: each medicine's days a
        fill and refills, and the medicines left out with why."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        today = clinic_today(access, timezone.now())
        medicines = selectors.medicine_actions(access=access, actor=actor, today=today)
        plan = selectors.alignment_plan(access, today=today, actions={m.key: m for m in medicines})
        return Response(AlignmentPlanSerializer(plan).data)

    @extend_schema(
        request=AlignmentCreateSerializer,
        responses={201: RefillRequestsCreatedSerializer, 200: RefillRequestsCreatedSerializer},
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """The "renew all my long-term medicines to my annual visit" request: one request (one conversation)
        for every medicine of the plan. 400 with the reason when no plan is offered."""
        return _create(
            request,
            patient_id,
            AlignmentCreateSerializer,
            lambda access, actor, data, key, now: services.alignment_submit(
                access=access, actor=actor, pharmacy_id=data["pharmacy"], idempotency_key=key, now=now
            ),
        )


class RequestView(RefillsView):
    @extend_schema(responses=RefillRequestDetailSerializer)
    def get(self, request: Request, patient_id: Any, request_id: int) -> Response:
        """One request with its timeline, and who answers it by when while it is open."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        page = selectors.request_detail(access=access, actor=actor, request_id=request_id)
        if page is None:
            raise Http404
        context = {"events": {page.request.pk: page.events}}
        return Response(RefillRequestDetailSerializer(page.request, context=context).data)


class CancelView(RefillsView):
    @extend_schema(request=None, responses=RefillRequestDetailSerializer)
    def post(self, request: Request, patient_id: Any, request_id: int) -> Response:
        """Withdraw a request the clinic has not decided yet (400 once decided)."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        services.request_cancel(access=access, actor=actor, request_id=request_id)
        page = selectors.request_detail(access=access, actor=actor, request_id=request_id)
        if page is None:  # pragma: no cover - cancelled just now, through the same policy
            raise Http404
        return Response(
            RefillRequestDetailSerializer(page.request, context={"events": {page.request.pk: page.events}}).data
        )


class PharmaciesView(RefillsView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Part of the pharmacy's name or address.")],
        responses=PharmacySearchSerializer,
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """Search the clinic's pharmacies by name or address (up to 50), with the patient's
        preferred pharmacy."""
        access, actor = patient_side_access(request, patient_id, Action.REFILLS)
        query = PharmacyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = {
            "preferred": selectors.preferred_pharmacy(access, actor=actor),
            "results": list(selectors.pharmacies(access, query.validated_data["q"].strip())),
        }
        return Response(PharmacySearchSerializer(data).data)
