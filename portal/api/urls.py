from django.urls import path

from portal.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api_me"),
    path("people/", views.PeopleView.as_view(), name="api_people"),
    path("patients/<uuid:patient_id>/", views.PatientView.as_view(), name="api_patient"),
    path("patients/<uuid:patient_id>/activity/", views.ActivityView.as_view(), name="api_activity"),
    path("patients/<uuid:patient_id>/proxy-grants/", views.ProxyGrantsView.as_view(), name="api_proxy_grants"),
    path(
        "patients/<uuid:patient_id>/proxy-grants/<int:grant_id>/revoke/",
        views.ProxyGrantRevokeView.as_view(),
        name="api_proxy_grant_revoke",
    ),
]
