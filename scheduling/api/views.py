"""Scheduling API for the patient and caregivers with the scheduling scope. Every patient is reached
through the access policy (another patient's visit answers 404); staff use the staff schedule
instead (404 here). Views parse, call one selector or service, and shape the answer.

Answers: 400 with field errors for bad input or a rule the patient does not meet (in plain words);
409 when the time was taken first, with other open times nearby; 202 when a cancel or move came
after the online cut-off and became a request for the clinic; 422 with the emergency guidance when
a note's words suggest an emergency (messaging's safety screen, applied by the services, the same
answer as messaging's API): the app shows it and may send again with the findings confirmed.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import safety
from messaging.api.serializers import SafetyRefusalSerializer, safety_refusal
from portal.access import Access, Action
from portal.api.pagination import PAGE_PARAMETERS, PortalPagination, page_of
from portal.api.permissions import patient_side_access
from portal.services.errors import InvalidToken
from scheduling.api.idempotency import BookingInProgress, book_once
from scheduling.api.serializers import (
    AppointmentSerializer,
    BookSerializer,
    CancelSerializer,
    ChangeRequestedSerializer,
    ConflictSerializer,
    OfferOutcomeSerializer,
    RequestSerializer,
    SlotChoiceSerializer,
    SlotQuerySerializer,
    SlotSearchSerializer,
    TimeChoiceSerializer,
    VisitRequestSerializer,
    VisitTypeSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
    slot_days,
)
from scheduling.selectors import api, patient
from scheduling.services import booking, changes, waitlist
from scheduling.services.changes import ChangeOutcome

CONFLICT = {409: ConflictSerializer}
SCREENED = {422: SafetyRefusalSerializer}


class SchedulingView(APIView):
    """Turns a lost race into 409 with nearby times, a booking already on its way into 409, a
    bad or someone else's link into 404, and a note refused by the safety screen into 422."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, safety.Unconfirmed):
            return Response(safety_refusal(exc), status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        if isinstance(exc, booking.SlotUnavailable):
            providers = api.slot_providers(exc.alternatives)
            data = {"detail": exc.message, "alternatives": exc.alternatives}
            return Response(ConflictSerializer(data, context={"providers": providers}).data, status=409)
        if isinstance(exc, BookingInProgress):
            return Response({"detail": exc.message}, status=409)
        if isinstance(exc, InvalidToken):
            exc = Http404()
        return super().handle_exception(exc)


def _visit(access: Access, appointment_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The visit a write made or changed (the write was audited; this read is its answer)."""
    appointment = api.appointment_detail(access=access, appointment_id=appointment_id)
    return Response(AppointmentSerializer(appointment).data, status=code)


def _changed(access: Access, outcome: ChangeOutcome, late_message: str) -> Response:
    if outcome.request is not None:
        data = {"detail": late_message, "request": outcome.request}
        return Response(ChangeRequestedSerializer(data).data, status=status.HTTP_202_ACCEPTED)
    return _visit(access, outcome.appointment.pk)


class VisitTypesView(SchedulingView):
    @extend_schema(responses=VisitTypeSerializer(many=True))
    def get(self, request: Request, patient_id: Any) -> Response:
        """The visit types of the patient's clinic: how each is booked (book, request, call us), and
        whether this patient may, with the reasons in plain words when not."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        rows = api.visit_types_for(access=access, actor=actor, now=timezone.now())
        return Response(VisitTypeSerializer(rows, many=True).data)  # type: ignore[arg-type]  # many=True takes a list


class SlotsView(SchedulingView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (the clinic's date); today if left out."
            ),
            OpenApiParameter("days", OpenApiTypes.INT, description="How many days, 1 to 31; 7 if left out."),
        ],
        responses=SlotSearchSerializer,
    )
    def get(self, request: Request, patient_id: Any, visit_type_id: int) -> Response:
        """Open times by day and provider, within the visit type's booking window."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        search, first_day, last_day = api.open_slots(
            access=access,
            actor=actor,
            visit_type_id=visit_type_id,
            first_day=query.validated_data["from"],
            days=query.validated_data["days"],
            now=timezone.now(),
        )
        data = {
            "visit_type": search.visit_type.pk,
            "first_day": first_day,
            "last_day": last_day,
            "days": slot_days(search),
            "locations": sorted(search.locations.values(), key=lambda location: location.name),
        }
        return Response(SlotSearchSerializer(data).data)


class HoldsView(SchedulingView):
    @extend_schema(request=SlotChoiceSerializer, responses={201: AppointmentSerializer, **CONFLICT})
    def post(self, request: Request, patient_id: Any) -> Response:
        """Hold an open time for a few minutes (see hold_expires_at) while the patient confirms; a
        new hold lets go of the patient's earlier one."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = SlotChoiceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        hold = booking.appointment_hold(
            access=access,
            actor=actor,
            visit_type_id=data["visit_type"],
            provider_id=data["provider"],
            location_id=data["location"],
            starts_at=data["starts_at"],
        )
        return _visit(access, hold.pk, status.HTTP_201_CREATED)


class AppointmentsView(SchedulingView):
    @extend_schema(
        parameters=[
            OpenApiParameter("when", str, enum=["upcoming", "past"], description="Upcoming (default) or past visits."),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(AppointmentSerializer),
        operation_id="api_v1_patients_appointments_list",
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        """Upcoming visits, soonest first, or past ones, latest first (paginated)."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        when = request.query_params.get("when", "upcoming")
        if when not in ("upcoming", "past"):
            return Response({"when": [_("Choose upcoming or past.")]}, status=status.HTTP_400_BAD_REQUEST)
        visits = api.appointments_for(access=access, actor=actor, past=when == "past", now=timezone.now())
        paginator = PortalPagination()
        page = paginator.paginate_queryset(visits, request, self)
        return paginator.get_paginated_response(AppointmentSerializer(page, many=True).data)

    @extend_schema(
        request=BookSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="For a direct booking: a retry with the same key returns the visit it booked.",
            )
        ],
        responses={201: AppointmentSerializer, 200: AppointmentSerializer, **CONFLICT},
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Book the time a hold keeps, or an open time directly. Retrying is safe: booking a hold
        that is already booked, or repeating an idempotency key, answers 200 with the same visit."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = BookSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        now = timezone.now()
        if "hold" in data:
            visit = booking.appointment_confirm_hold(access=access, actor=actor, hold_id=data["hold"], now=now)
            # Booked by this request only if it carries this request's clock.
            visit_id, created = visit.pk, visit.booked_at == now
        else:
            visit_id, created = book_once(
                actor=actor,
                patient_id=access.patient.pk,
                key=(request.headers.get("Idempotency-Key") or data["idempotency_key"]).strip(),
                book=lambda: booking.appointment_book(
                    access=access,
                    actor=actor,
                    visit_type_id=data["visit_type"],
                    provider_id=data["provider"],
                    location_id=data["location"],
                    starts_at=data["starts_at"],
                    now=now,
                ),
            )
        return _visit(access, visit_id, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AppointmentView(SchedulingView):
    @extend_schema(responses=AppointmentSerializer)
    def get(self, request: Request, patient_id: Any, appointment_id: int) -> Response:
        """One visit, with any request about it the clinic has not handled yet."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        visit = api.appointment_detail(access=access, actor=actor, appointment_id=appointment_id)
        return Response(AppointmentSerializer(visit).data)


class RescheduleView(SchedulingView):
    @extend_schema(
        request=TimeChoiceSerializer,
        responses={200: AppointmentSerializer, 202: ChangeRequestedSerializer, **CONFLICT, **SCREENED},
    )
    def post(self, request: Request, patient_id: Any, appointment_id: int) -> Response:
        """Move a booked visit to another open time (the answer is the new visit). After the
        cut-off it becomes a request (202) and the visit stays as it is until the clinic answers.
        A note whose words suggest an emergency answers 422 with the guidance until confirmed."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = TimeChoiceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        outcome = changes.appointment_reschedule(
            access=access,
            actor=actor,
            appointment_id=appointment_id,
            provider_id=data["provider"],
            location_id=data["location"],
            starts_at=data["starts_at"],
            note=data["note"],
            confirmed_flags=data["confirmed_flags"],
        )
        return _changed(
            access, outcome, _("It is too close to the visit to change it online, so this became a request.")
        )


class CancelView(SchedulingView):
    @extend_schema(
        request=CancelSerializer,
        responses={200: AppointmentSerializer, 202: ChangeRequestedSerializer, **SCREENED},
    )
    def post(self, request: Request, patient_id: Any, appointment_id: int) -> Response:
        """Cancel a visit (or a hold). After the cut-off it becomes a request (202) and the visit
        stays booked until the clinic answers. A note whose words suggest an emergency answers 422
        with the guidance until confirmed."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        outcome = changes.appointment_cancel(
            access=access,
            actor=actor,
            appointment_id=appointment_id,
            note=payload.validated_data["note"],
            confirmed_flags=payload.validated_data["confirmed_flags"],
        )
        return _changed(
            access, outcome, _("It is too close to the visit to cancel it online, so this became a request.")
        )


class CalendarRenderer(BaseRenderer):
    """Lets a client ask for text/calendar; the file itself goes out as a plain HttpResponse."""

    media_type = "text/calendar"
    format = "ics"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data.encode() if isinstance(data, str) else b""


class CalendarView(SchedulingView):
    renderer_classes = [JSONRenderer, CalendarRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request: Request, patient_id: Any, appointment_id: int) -> HttpResponse:
        """The visit as an iCalendar file, in the clinic's time zone."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        name, text = patient.appointment_calendar_file(
            access=access, actor=actor, appointment_id=appointment_id, now=timezone.now()
        )
        response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class WaitlistView(SchedulingView):
    @extend_schema(responses=WaitlistEntrySerializer(many=True))
    def get(self, request: Request, patient_id: Any) -> Response:
        """The waitlists the patient is on ("tell me if something earlier opens")."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        return Response(WaitlistEntrySerializer(api.waitlist_for(access=access, actor=actor), many=True).data)

    @extend_schema(request=WaitlistJoinSerializer, responses={201: WaitlistEntrySerializer})
    def post(self, request: Request, patient_id: Any) -> Response:
        """Join the waitlist of a visit type for a window of days; offers come by email or text."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = WaitlistJoinSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        entry = waitlist.waitlist_join(
            access=access,
            actor=actor,
            visit_type_id=data["visit_type"],
            earliest=data["earliest"],
            latest=data["latest"],
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitlistEntryView(SchedulingView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, patient_id: Any, entry_id: int) -> Response:
        """Leave a waitlist; offers still open for it are withdrawn."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        waitlist.waitlist_leave(access=access, actor=actor, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OfferAcceptView(SchedulingView):
    @extend_schema(
        request=None,
        responses={
            200: OfferOutcomeSerializer,
            409: OpenApiResponse(OfferOutcomeSerializer, description="Taken by someone else first, or run out."),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        """Accept a waitlist offer (the token of its signed link) as the signed-in patient or a
        caregiver with the scheduling scope. The first to accept gets the time."""
        patient_id = waitlist.offer_patient_id(token)
        if patient_id is None:
            raise Http404
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        outcome = waitlist.offer_accept(token=token, access=access, actor=actor)
        visit = outcome.offer.appointment if outcome.accepted else None
        data = {
            "accepted": outcome.accepted,
            "detail": outcome.message,
            "appointment": visit and api.appointment_detail(access=access, appointment_id=visit.pk),
        }
        return Response(OfferOutcomeSerializer(data).data, status=200 if outcome.accepted else 409)


class VisitRequestsView(SchedulingView):
    @extend_schema(
        request=VisitRequestSerializer, responses={201: RequestSerializer, 200: RequestSerializer, **SCREENED}
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Ask for a visit of a type the clinic books (request mode). Asking again while the first
        request waits answers 200 with that request. A note whose words suggest an emergency
        answers 422 with the guidance until confirmed."""
        access, actor = patient_side_access(request, patient_id, Action.SCHEDULING)
        payload = VisitRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        made = changes.visit_request(
            access=access,
            actor=actor,
            visit_type_id=payload.validated_data["visit_type"],
            note=payload.validated_data["note"],
            confirmed_flags=payload.validated_data["confirmed_flags"],
            now=now,
        )
        return Response(
            RequestSerializer(made).data,
            status=status.HTTP_201_CREATED if made.created_at == now else status.HTTP_200_OK,
        )
