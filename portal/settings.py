"""Settings for the patient portal: one module, every value from the environment.

Environments differ by environment variables, never by code. With no
DATABASE_URL / REDIS_URL set, `portal.embedded` starts a private PostgreSQL and
Redis before Django loads (see manage.py), so these names are always present.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets admin and DRF classes take type parameters at run time, as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def developer_secret_key() -> str:
    """A developer's machine (DEBUG) needs no configured secret: one is made once and kept in var/.

    Production always sets SECRET_KEY and refuses to start without it; a published constant would let
    anyone forge a developer's sessions and signed links.
    """
    from django.core.management.utils import get_random_secret_key

    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or (developer_secret_key() if DEBUG else env("SECRET_KEY"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in emails and texts point here. On a developer's machine it follows PORT (`PORT=9000 make run`).
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "portal",
    "records",
    "oauth2_provider",
    "records.fhir_api",
    "messaging",
    "scheduling",
    "refills",
    "billing",
    "summaries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.HealthEndpointsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "portal.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "portal.middleware.IdleTimeoutMiddleware",
    "portal.middleware.SecondFactorMiddleware",
    "portal.middleware.SessionRegistryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.shell",
            ],
            # The one date and time style (portal/dates.py) in every template, with no {% load %}.
            "builtins": ["portal.templatetags.dates"],
        },
    },
]

# --- Data stores -----------------------------------------------------------
# DATABASE_URL is the role web and workers run as: not a superuser, owning nothing, and only allowed to
# INSERT and SELECT the audit log. DATABASE_OWNER_URL is the role that owns the tables and runs migrations
# (`manage.py migrate` and `manage.py db_roles` run with it as their DATABASE_URL); see docs/DEPLOY.md.
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)}
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", "")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Parameters travel apart from the SQL (no quoting in Python): bulk imports of FHIR JSON are
# several times faster, and prepared statements are reused.
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "portal"),
    }
}
# Flash messages can name the patient: they live in the session, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Sessions live in the database so a patient can see and end each one.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle timeouts (seconds) by kind of user; a warning shows before the end.
IDLE_TIMEOUT_STAFF = env_int("IDLE_TIMEOUT_STAFF", 15 * 60)
IDLE_TIMEOUT_PATIENT = env_int("IDLE_TIMEOUT_PATIENT", 30 * 60)
IDLE_WARNING_BEFORE = env_int("IDLE_WARNING_BEFORE", 2 * 60)

# --- Accounts --------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "portal.accounts.PortalAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.account.SignupExtraForm"
ACCOUNT_FORMS = {"signup": "portal.accounts.PortalSignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Throttling of failed logins, resets and signups (allauth counts in the cache), per account
# ("key") and per client address (portal.client_address, never the proxy's). The address limit is
# looser than the account's so one attacked or mistyped account never locks out the next person
# at the same address (a family computer, a clinic kiosk), yet still stops password spraying.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", "30/5m/ip,5/5m/key"),
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
# The second factor: django-otp, one path for everyone.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Patient Portal")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Invitations (proxy and patient activation) are single use and expire.
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 14)

# --- Email and SMS -----------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Patient Portal <no-reply@portal.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env("SMS_BACKEND", "portal.services.notify.LogSmsBackend")
SMS_FROM = env("SMS_FROM", "")

# --- Card payments (billing) ---------------------------------------------------
# "test" (the embedded default: test card numbers, no money moves) or "stripe". README: "Taking card
# payments". Stripe's keys come only from the environment.
BILLING_GATEWAY = env("BILLING_GATEWAY", "test")
# The billing office's phone, told to a guest whose statement code does not open (or is locked);
# empty: the home clinic's phone on file.
BILLING_OFFICE_PHONE = env("BILLING_OFFICE_PHONE", "")
if BILLING_GATEWAY not in ("test", "stripe"):
    raise ImproperlyConfigured("BILLING_GATEWAY is 'test' or 'stripe'.")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "" if BILLING_GATEWAY == "test" else None)
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", "" if BILLING_GATEWAY == "test" else None)
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "" if BILLING_GATEWAY == "test" else None)

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
CLINIC_TIME_ZONE = env("CLINIC_TIME_ZONE", "America/Chicago")
# Whose law decides what care a minor may consent to, so it stays confidential from parents
# (a profile in records/content/minor_consent.toml; "default" applies every category).
MINOR_CONSENT_STATE = env("MINOR_CONSENT_STATE", "default")
# The test payment gateway takes no money: with DEBUG=0 the portal refuses it (check --deploy,
# startup, every payment) unless a demo or staging installation says it means it.
BILLING_ALLOW_TEST_GATEWAY = env_bool("BILLING_ALLOW_TEST_GATEWAY", DEBUG)

# --- Static files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Uploaded files (FHIR imports): never served publicly; web and worker must share this folder.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 500 * 1024 * 1024)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.VerifiedUser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Patient Portal API",
    "DESCRIPTION": "JSON API for the patient portal's mobile apps.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # User.language and Patient.preferred_language share LANGUAGES: one enum in the schema.
    # Thread.Status and ProxyGrant.Status are both "status": name the thread's.
    # An audit event and a message both say who acted ("acting_as"), from different choices.
    # Both APIs' safety-screen findings are one enum.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": LANGUAGES,
        "ThreadStatusEnum": "messaging.models.Thread.Status",
        "AuditActingAsEnum": "portal.models.audit.AuditEvent.ActingAs",
        "MessageActingAsEnum": "messaging.models.Message.ActingAs",
        "SafetyFlagEnum": "messaging.api.serializers.SAFETY_FLAG_CHOICES",
        "RefillKindEnum": "refills.models.RefillRequest.Kind",
        "RefillStatusEnum": "refills.models.RefillRequest.Status",
        "RefillEventKindEnum": "refills.models.RefillEvent.Kind",
        # Billing's enums, named for billing (its "status", "reason" and "purpose" are its own).
        "BillingPaymentStatusEnum": "billing.models.Payment.Status",
        "BillingPaymentPurposeEnum": "billing.models.Payment.Purpose",
        "BillingPayableEnum": "billing.api.serializers.PAYABLE",
        "BillingPlanStatusEnum": "billing.models.PaymentPlan.Status",
        "BillingInstalmentStatusEnum": "billing.models.Instalment.Status",
        "BillingCoverageEnum": "billing.models.Account.Coverage",
        "BillingEstimateCoverageEnum": "billing.api.serializers.ESTIMATE_COVERAGE",
        "BillingEstimateReasonEnum": "billing.models.EstimateDue.Reason",
    },
}

# --- SMART on FHIR: OAuth2 for patient-facing apps (django-oauth-toolkit) -----------
# Authorization code + PKCE only; every RFC 9700 safeguard on; tokens hashed at rest.
# The patient a token may read is chosen on the consent page (records.fhir_api.consent).
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "records.fhir_api.oauth.SmartValidator",
    "SCOPES_BACKEND_CLASS": "records.fhir_api.scopes.SmartScopes",
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Loopback http redirects only for local development.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    # Follows the schemes above: a developer's loopback http redirect is allowed only with DEBUG
    # (the toolkit's check E003 would otherwise refuse the development server; portal/wsgi.py).
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# The toolkit's own models (named so migrations that point at them can resolve them).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL.replace("unix://", "redis+socket://", 1))
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Redis hands an unacknowledged task to another worker after this long. Longer than the longest
# task (records.import_run, 60 minutes) so a running import is never started twice; a run whose
# worker was killed is ended sooner by the records.import_sweep beat task (stale heartbeat).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 65 * 60}
# Keep the app's JSON log format (ids only) in worker and beat logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    # Billing's charges from newly imported claims and explanations of benefit.
    "billing-charges-sync": {"task": "billing.sync_charges", "schedule": 15 * 60},
    # Payment plan instalments that are due (and retries of declined ones).
    "billing-instalments-sweep": {
        "task": "billing.sweep_instalments",
        "schedule": 15 * 60,
        "options": {"expires": 840},
    },
    # The monthly statements, each account a cycle after its last (a rerun issues nothing twice).
    "billing-statements-cycle": {"task": "billing.statements_cycle", "schedule": crontab(hour=14, minute=0)},
    # Good Faith Estimates: bookings nobody told billing about, open promises retried, late ones flagged.
    "billing-estimates-sweep": {"task": "billing.estimates_sweep", "schedule": 5 * 60},
    "proxy-grants-expire": {"task": "portal.sweep_proxy_grants", "schedule": 15 * 60},
    "sessions-clear-expired": {"task": "portal.clear_expired_sessions", "schedule": 3600},
    # The one notification outbox: retries and texts that waited out quiet hours; the staff digest.
    "portal-notice-sweep": {"task": "portal.notice_sweep", "schedule": 120, "options": {"expires": 110}},
    "portal-staff-digest": {"task": "portal.staff_digest", "schedule": 30 * 60},
    "records-release-sweep": {"task": "records.release_sweep", "schedule": 5 * 60},
    "records-minor-consent-sweep": {"task": "records.minor_consent_sweep", "schedule": 15 * 60},
    "records-import-sweep": {"task": "records.import_sweep", "schedule": 5 * 60, "options": {"expires": 290}},
    # A sweep not started within the minute is dropped: the next one does the same work.
    "messaging-sla-sweep": {"task": "messaging.sla_sweep", "schedule": 60, "options": {"expires": 55}},
    "scheduling-expire-holds": {"task": "scheduling.expire_holds", "schedule": 60, "options": {"expires": 55}},
    "scheduling-send-reminders": {"task": "scheduling.send_reminders", "schedule": 60, "options": {"expires": 55}},
    "scheduling-offers": {"task": "scheduling.send_waitlist_offers", "schedule": 60, "options": {"expires": 55}},
    # Prescriptions to pharmacies that the after-commit delivery missed or that failed.
    "refills-pharmacy-sweep": {"task": "refills.pharmacy_sweep", "schedule": 120, "options": {"expires": 110}},
    # Briefings left stale (a worker died mid-build) or a day old (dates move: "coming due").
    "summaries-briefing-sweep": {"task": "summaries.briefing_sweep", "schedule": crontab(hour=2, minute=30)},
    # Hourly: at each clinic where it is evening, the next day's visits' pre-visit briefings.
    "summaries-previsit-evening": {"task": "summaries.previsit_evening", "schedule": crontab(minute=5)},
}
# Seconds a briefing waits after its first change before it is rebuilt (a burst of changes: one rebuild).
BRIEFING_DEBOUNCE_SECONDS = env_int("BRIEFING_DEBOUNCE_SECONDS", 30)

# --- Security --------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses or networks (CIDR) of the reverse proxies in front of the app; only their
# X-Forwarded-For names the client (audit log, rate limits: portal.client_address). Production
# trusts no proxy unless told; a developer's machine trusts loopback.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1/32,::1/128" if DEBUG else "")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files (or carrying this response's nonce); no inline
# script, style attribute or eval anywhere, the admin included. No form-action: the SMART consent
# form redirects to the app's own https address.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
if BILLING_GATEWAY == "stripe":
    # Stripe.js and its Payment Element (card fields in Stripe's own frames), as Stripe documents.
    _stripe_csp: dict[str, list[str]] = CONTENT_SECURITY_POLICY["DIRECTIVES"]  # type: ignore[assignment]
    _stripe_csp["script-src"] = [*_stripe_csp["script-src"], "https://js.stripe.com", "https://*.js.stripe.com"]
    _stripe_csp["connect-src"] = [*_stripe_csp["connect-src"], "https://api.stripe.com"]
    _stripe_csp["frame-src"] = ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
CSRF_FAILURE_VIEW = "portal.views.errors.csrf_failure"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Logging: ids only, never names or clinical values -------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "portal.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # Django's request logger puts the full path (which may hold names in a
        # search query) into the message; our middleware logs ids instead.
        "django.request": {"level": "ERROR"},
        # WeasyPrint and its font library narrate every PDF step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Stripe's library logs every request at INFO; its errors reach billing as exceptions.
        "stripe": {"level": "WARNING"},
    },
}
