"""Messaging API for the patient and caregivers with the messaging scope; every patient is
reached through the access policy, and staff use the staff pages instead (404 here).

A message whose words suggest an emergency is refused with 422 and the emergency guidance
(the services' safety screen, the same as the pages'); the app shows it and may send again
with the findings confirmed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import safety
from messaging.api.serializers import (
    CategorySerializer,
    ReplySentSerializer,
    ReplySerializer,
    SafetyRefusalSerializer,
    ThreadDetailSerializer,
    ThreadSerializer,
    ThreadStartedSerializer,
    ThreadStartSerializer,
    safety_refusal,
)
from messaging.models import CATEGORY_GUIDANCE, Category
from messaging.selectors import api
from messaging.selectors.patient import urgent_cover
from messaging.services import threads
from portal.access import Access, Action
from portal.api.pagination import PAGE_PARAMETERS, PortalPagination, page_of
from portal.api.permissions import patient_side_access
from portal.models import User

UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_ENTITY


def _refused(refusal: safety.Unconfirmed) -> Response:
    return Response(safety_refusal(refusal), status=UNPROCESSABLE)


class CategoriesView(APIView):
    """What a message can be about, with one line of guidance for each."""

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = [{"value": c.value, "name": c.label, "guidance": CATEGORY_GUIDANCE[c]} for c in Category]
        return Response(CategorySerializer(rows, many=True).data)  # type: ignore[arg-type]  # many=True takes a list


class ThreadsView(APIView):
    @extend_schema(
        responses=page_of(ThreadSerializer), parameters=PAGE_PARAMETERS, operation_id="api_v1_patients_threads_list"
    )
    def get(self, request: Request, patient_id: Any) -> Response:
        access, actor = patient_side_access(request, patient_id, Action.MESSAGING)
        paginator = PortalPagination()
        page = paginator.paginate_queryset(api.patient_threads(access=access, actor=actor), request, self)
        return paginator.get_paginated_response(ThreadSerializer(page, many=True).data)

    @extend_schema(
        request=ThreadStartSerializer,
        responses={201: ThreadStartedSerializer, 200: ThreadStartedSerializer, 422: SafetyRefusalSerializer},
    )
    def post(self, request: Request, patient_id: Any) -> Response:
        """Start a thread. The same idempotency key again answers 200 with the thread it started.
        Words that suggest an emergency answer 422 with the guidance until confirmed."""
        access, actor = patient_side_access(request, patient_id, Action.MESSAGING)
        payload = ThreadStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        try:
            thread = threads.thread_start(access=access, actor=actor, now=now, **payload.validated_data)
        except safety.Unconfirmed as refusal:
            return _refused(refusal)
        # A thread this request made carries this request's clock; an earlier one does not.
        created = thread.created_at == now
        thread = api.threads_of(access).get(pk=thread.pk)
        thread.urgent_cover = urgent_cover(thread, now)  # type: ignore[attr-defined]  # for the serializer
        return Response(
            ThreadStartedSerializer(thread).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ThreadView(APIView):
    @extend_schema(responses=ThreadDetailSerializer)
    def get(self, request: Request, patient_id: Any, thread_id: int) -> Response:
        """The thread and its messages; staff replies not seen before are marked read."""
        access, actor = patient_side_access(request, patient_id, Action.MESSAGING)
        thread = api.patient_thread(access=access, actor=actor, thread_id=thread_id)
        threads.thread_mark_read(access=access, thread_id=thread.pk)
        return Response(ThreadDetailSerializer(thread).data)


class ReplyView(APIView):
    @extend_schema(
        request=ReplySerializer,
        responses={201: ReplySentSerializer, 200: ReplySentSerializer, 422: SafetyRefusalSerializer},
    )
    def post(self, request: Request, patient_id: Any, thread_id: int) -> Response:
        """Reply. The same idempotency key again answers 200 with the message it sent. Words that
        suggest an emergency answer 422 with the guidance until confirmed."""
        access, actor = patient_side_access(request, patient_id, Action.MESSAGING)
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        now = timezone.now()
        try:
            message = threads.thread_reply(
                access=access, actor=actor, thread_id=thread_id, now=now, **payload.validated_data
            )
        except safety.Unconfirmed as refusal:
            return _refused(refusal)
        # As for a new thread: a message this request wrote carries this request's clock.
        created = message.created_at == now
        flagged = bool(safety.screen(message.body))
        message.urgent_cover = urgent_cover(message.thread, now) if flagged else None  # type: ignore[attr-defined]
        return Response(
            ReplySentSerializer(message).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class _ThreadAction(APIView):
    def act(self, access: Access, actor: User, thread_id: int) -> None:
        raise NotImplementedError

    @extend_schema(request=None, responses=ThreadSerializer)
    def post(self, request: Request, patient_id: Any, thread_id: int) -> Response:
        access, actor = patient_side_access(request, patient_id, Action.MESSAGING)
        self.act(access, actor, thread_id)
        return Response(ThreadSerializer(api.threads_of(access).get(pk=thread_id)).data)


class CloseView(_ThreadAction):
    def act(self, access: Access, actor: User, thread_id: int) -> None:
        threads.thread_close(access=access, actor=actor, thread_id=thread_id)


class ReopenView(_ThreadAction):
    def act(self, access: Access, actor: User, thread_id: int) -> None:
        threads.thread_reopen(access=access, actor=actor, thread_id=thread_id)
