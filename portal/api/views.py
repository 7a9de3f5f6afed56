"""API endpoints of the portal core; every patient is reached through the access policy."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import Action, access_patient
from portal.api.pagination import PAGE_PARAMETERS, PortalPagination, page_of
from portal.api.serializers import (
    AuditEventSerializer,
    MeSerializer,
    PatientSerializer,
    ProxyGrantSerializer,
    ProxyInviteSerializer,
)
from portal.selectors import patient as patient_selectors
from portal.services import proxies


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)  # type: ignore[arg-type]  # VerifiedUser: never anonymous


class PeopleView(APIView):
    """The people this user acts for: themself and anyone who granted them access."""

    @extend_schema(responses=PatientSerializer(many=True))
    def get(self, request: Request) -> Response:
        people = patient_selectors.people_i_act_for(request.user)  # type: ignore[arg-type]
        return Response(PatientSerializer(people, many=True).data)


class PatientView(APIView):
    @extend_schema(responses=PatientSerializer)
    def get(self, request: Request, patient_id: Any) -> Response:
        access = access_patient(request.user, patient_id, Action.PROFILE)
        patient = patient_selectors.patient_overview(access=access, actor=request.user)  # type: ignore[arg-type]
        return Response(PatientSerializer(patient).data)


class ActivityView(APIView):
    @extend_schema(responses=page_of(AuditEventSerializer), parameters=PAGE_PARAMETERS)
    def get(self, request: Request, patient_id: Any) -> Response:
        access = access_patient(request.user, patient_id, Action.ACTIVITY)
        events = patient_selectors.activity_for(access=access, actor=request.user)  # type: ignore[arg-type]
        paginator = PortalPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)


class ProxyGrantsView(APIView):
    @extend_schema(responses=ProxyGrantSerializer(many=True))
    def get(self, request: Request, patient_id: Any) -> Response:
        access = access_patient(request.user, patient_id, Action.SHARING)
        grants = patient_selectors.proxy_grants_for(access=access, actor=request.user)  # type: ignore[arg-type]
        return Response(ProxyGrantSerializer(grants, many=True).data)

    @extend_schema(request=ProxyInviteSerializer, responses={201: ProxyGrantSerializer})
    def post(self, request: Request, patient_id: Any) -> Response:
        access = access_patient(request.user, patient_id, Action.SHARING)
        payload = ProxyInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        grant, _token = proxies.proxy_invite(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            email=data["email"],
            name=data["name"],
            relationship=data["relationship"],
            scopes=data["scopes"],
            ends_at=data["ends_at"],
        )
        return Response(ProxyGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class ProxyGrantRevokeView(APIView):
    @extend_schema(request=None, responses=ProxyGrantSerializer)
    def post(self, request: Request, patient_id: Any, grant_id: int) -> Response:
        access = access_patient(request.user, patient_id, Action.SHARING)
        grant = proxies.proxy_revoke(access=access, actor=request.user, grant_id=grant_id)  # type: ignore[arg-type]
        return Response(ProxyGrantSerializer(grant).data)
