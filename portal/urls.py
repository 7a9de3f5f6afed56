"""URLs of the whole portal."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView

from portal.views import account, errors, health, patient, sharing, staff, two_factor


def moved(old_prefix: str, new_prefix: str) -> URLPattern:
    """A permanent redirect from a retired path prefix to its new home, keeping the rest of the
    path and the query (staff bookmark pages)."""
    return re_path(
        rf"^{old_prefix}(?P<rest>.*)$",
        RedirectView.as_view(url=f"{new_prefix}%(rest)s", permanent=True, query_string=True),
    )


patient_urls: list[URLPattern | URLResolver] = [
    path("", include("summaries.urls.patient")),
    path("activity/", patient.activity, name="activity"),
    path("sharing/", sharing.sharing, name="sharing"),
    path("sharing/<int:grant_id>/revoke/", sharing.revoke, name="sharing_revoke"),
    path("sharing/<int:grant_id>/renew/", sharing.renew, name="sharing_renew"),
    path("sharing/<int:grant_id>/reinvite/", sharing.reinvite, name="sharing_reinvite"),
    path("record/", include("records.urls.patient")),
    path("messages/", include("messaging.urls.patient")),
    path("appointments/<int:appointment_id>/check-in/", include("scheduling.urls.patient_checkin")),
    path("appointments/", include("scheduling.urls.patient")),
    path("refills/", include("refills.urls.patient")),
    path("billing/", include("billing.urls.patient")),
    path("<slug:slug>/", patient.section, name="section"),
]

staff_urls: list[URLPattern | URLResolver] = [
    path("", staff.staff_home, name="staff_home"),
    path("patients/", staff.patient_search, name="staff_patient_search"),
    path("patients/<uuid:patient_id>/", staff.patient_detail, name="staff_patient"),
    path("patients/<uuid:patient_id>/guardian/", staff.guardian_grant, name="staff_guardian_grant"),
    path("patients/<uuid:patient_id>/invite/", staff.patient_invite, name="staff_patient_invite"),
    path("patients/<uuid:patient_id>/activation-code/", staff.patient_desk_code, name="staff_patient_desk_code"),
]

account_urls: list[URLPattern | URLResolver] = [
    path("", account.preferences, name="account"),
    path("helping/", account.briefing_notices, name="account_briefing_notices"),
    path("security/", two_factor.security, name="security"),
    path("sessions/", account.sessions, name="sessions"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/devices/<int:device_id>/remove/", two_factor.remove_device, name="two_factor_remove"),
]

urlpatterns = [
    path("", patient.home, name="home"),
    path("p/<uuid:patient_id>/", include(patient_urls)),
    path("switch/", sharing.switch, name="switch_person"),
    path("invitations/<str:token>/", sharing.accept, name="proxy_accept"),
    path("shared/", include("records.urls.public")),
    path("m/", include("messaging.urls.links")),
    path("b/", include("summaries.urls.links")),
    path("appointments/", include("scheduling.urls.links")),
    path("billing/guest/", include("billing.urls.public")),
    path("billing/n/", include("billing.urls.links")),
    path("billing/webhooks/", include("billing.urls.webhooks")),
    path("refills/n/", include("refills.urls.links")),
    path("activate/<str:token>/", account.activate, name="activate"),
    path("welcome/", account.welcome, name="welcome"),
    path("account/", include(account_urls)),
    path("accounts/", include("allauth.urls")),
    path("session/status/", account.session_status, name="session_status"),
    path("session/keepalive/", account.session_keepalive, name="session_keepalive"),
    path("language/", account.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("staff/records/", include("records.urls.staff")),
    path("staff/messaging/", include("messaging.urls.staff")),
    path("staff/scheduling/", include("scheduling.urls.staff")),
    path("staff/summaries/", include("summaries.urls.staff")),
    path("staff/refills/", include("refills.urls.staff")),
    path("staff/billing/", include("billing.urls.staff")),
    # Staff pages moved under /staff/<app>/ in issue 11: bookmarks keep working.
    moved("staff/messages/", "/staff/messaging/"),
    moved("staff/notifications/", "/staff/messaging/notices/"),
    moved("staff/schedule/", "/staff/scheduling/"),
    path("staff/", include(staff_urls)),
    path("fhir/R4/", include("records.fhir_api.urls")),
    path("o/", include("records.fhir_api.oauth_urls")),
    path(".well-known/", include("records.fhir_api.well_known_urls")),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/", include("messaging.api.urls")),
    path("api/v1/", include("scheduling.api.urls")),
    path("api/v1/", include("refills.api.urls")),
    path("api/v1/", include("billing.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
