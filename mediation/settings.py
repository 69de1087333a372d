"""Settings for the mediation case tracker, read from the environment (django-environ).

``DEBUG`` is off unless the environment turns it on (``make run`` does): a deployment that forgets it
runs as production, and with ``DEBUG`` off every secret must be given. With ``DEBUG=1`` development
needs nothing else: an SQLite file in the project directory, tasks run in-process, and
development-only secrets.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from mediation.storage import attachment_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Development-only secrets. They are public (they are in this file), so production refuses them.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
_DEV_FIELD_ENCRYPTION_KEY = "dev1:ZGV2LW9ubHktZmllbGQta2V5LWZvci1sYXB0b3BzISE="
_DEV_FIELD_HASH_KEY = "dev-only-field-hash-key"


def _secret(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if not value:
        if DEBUG:
            return dev_default
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
    if not DEBUG and _is_dev_default(value, dev_default):
        raise ImproperlyConfigured(
            f"{name} is the public development default; set a secret of your own when DEBUG is off."
        )
    return value


def _is_dev_default(value: str, dev_default: str) -> bool:
    """``value`` is, or (a key list) holds, the development default. A key list is compared key by
    key and on the key material alone, so the development key under another id is refused too."""
    if value == dev_default:
        return True
    if ":" not in dev_default:
        return False
    dev_material = dev_default.split(":", 1)[1]
    keys = [key.strip() for key in value.split(",")]
    return any(key == dev_default or key.split(":", 1)[-1] == dev_material for key in keys)


SECRET_KEY = _secret("SECRET_KEY", _DEV_SECRET_KEY)

# Personal data (DESIGN §6). FIELD_ENCRYPTION_KEY is a comma-separated list of "key_id:fernet_key";
# the first encrypts, all decrypt, so a key can be rotated. FIELD_HASH_KEY keys the HMAC used for
# equality search; it must not change once data exists.
FIELD_ENCRYPTION_KEY = _secret("FIELD_ENCRYPTION_KEY", _DEV_FIELD_ENCRYPTION_KEY)
FIELD_HASH_KEY = _secret("FIELD_HASH_KEY", _DEV_FIELD_HASH_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # The database triggers that keep the timeline and the audit trail append-only (migration 0030).
    "pgtrigger",
    "cases",
    "cases.web",  # the web pages: their template tags, and the login signal they connect
]

MIDDLEWARE = [
    # First: its log line times the whole answer, and every answer carries X-Request-ID.
    "mediation.requestlog.RequestLogMiddleware",
    # Prometheus (mediation.metrics): request counts and latency, queries per request.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "mediation.metrics.QueryCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mediation.middleware.DatabaseUnavailableMiddleware",
    # Below WhiteNoise: static files answer before these, keeping their own long caching.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The API throttles' X-RateLimit-* headers on the answer (cases.api.throttling).
    "cases.api.throttling.RateLimitHeadersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Set-up changes saved while a request is served are audited as its user's (audit_hooks).
    "cases.services.audit_hooks.AuditRequestMiddleware",
    # Below sessions: a request that wrote (not the session's own save) keeps its user's next
    # reads on the primary for REPLICA_STICKY_SECONDS (cases.replica).
    "cases.replica.ReplicaStickinessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cases.web.middleware.IdleSessionMiddleware",
    # After the idle check (a session it ends speaks the browser's language again).
    "cases.web.middleware.ProfileLanguageMiddleware",
    "cases.web.middleware.NoStoreMiddleware",
    "cases.web.middleware.CaseNotFoundMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "mediation.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cases.web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "mediation.wsgi.application"

# An unset or empty DATABASE_URL means the embedded SQLite file.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads of the dev server write: wait for the lock rather than fail at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Each web process keeps its connection (a new PostgreSQL backend per request costs a fork
    # and a cold catalog cache), checked before reuse; and the queries it repeats are prepared:
    # parameters bound by the server, psycopg preparing a statement after its fifth run. Planning
    # the case query's joins took ~2 ms of the ~15 ms of a case read (issue #8). Behind a pooler
    # in transaction mode, turn DB_PREPARED_STATEMENTS off.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# A streaming replica of the primary (docs/architecture.md, "Read replica"): reports, exports and
# case lists read from it (cases.replica), except for a user who wrote within the last
# REPLICA_STICKY_SECONDS. Same connection options as the primary; the tests mirror it onto the
# primary unless a test starts a real replica.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    if _replica.get("ENGINE") != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be a database URL of the same engine as DATABASE_URL "
            "(a streaming replica of that PostgreSQL primary)."
        )
    for _option in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS"):
        if _option in DATABASES["default"]:
            _replica[_option] = DATABASES["default"][_option]
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
_sticky = env.str("REPLICA_STICKY_SECONDS", default="5").strip()
if not _sticky.isdigit():
    raise ImproperlyConfigured(
        f"REPLICA_STICKY_SECONDS must be a whole number of seconds, 0 or more (not {_sticky!r})."
    )
REPLICA_STICKY_SECONDS = int(_sticky)
DATABASE_ROUTERS = ["cases.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Judges no password: Django calls its ``password_changed`` whenever any path (the web page,
    # the admin, ``manage.py changepassword``, a service) saves a new password, and it revokes the
    # account's API tokens then.
    {"NAME": "cases.services.users.RevokeApiTokensOnPasswordChange"},
]

# django-axes counts failed logins (web, admin and the API's token endpoint alike) per account and
# per client address, each with its own limit: an account locks after AXES_FAILURE_LIMIT failures
# from anywhere; an address after AXES_ADDRESS_FAILURE_LIMIT failures on any accounts, higher because
# a window office's computers share one address behind a government proxy.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "cases.web.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lock neither count nor extend it: an office whose address is locked
# does not lock its people's accounts by trying again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "cases.web.views.auth.locked_out"
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, unless reverse proxies are declared. AXES_IPWARE_PROXY_COUNT is
# how many proxy addresses X-Forwarded-For carries after the client's (0 behind one proxy that
# appends the client's address, such as nginx's $proxy_add_x_forwarded_for); only then is that
# header read, since without a proxy in front a client writes it at will.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(
    env.list(
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
        default=(
            ["REMOTE_ADDR"]
            if AXES_IPWARE_PROXY_COUNT is None
            else ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
        ),
    )
)

# Sessions (window offices share computers): the cookie ends with the browser, and a session ends
# after SESSION_IDLE_MINUTES without a request (cases.web.middleware.IdleSessionMiddleware, which
# refreshes the stored session at most once a minute). A stored session is deleted SESSION_COOKIE_AGE
# after its last refresh; until then an idle user is told why they must log in again.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = max(12 * 60 * 60, 2 * 60 * SESSION_IDLE_MINUTES)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): everything from this origin, no inline script or style, no
# plugin, never framed. Pages keep their script in static files (cases/static/web/*.js); the API
# docs page uses drf-spectacular's split view, which serves its start-up script as a file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Pico's and Swagger UI's icons are data: URIs inside their style sheets.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the browser features the product never uses.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:login"

# Languages and time (DESIGN §6): stored in UTC, shown in Asia/Shanghai unless a centre says otherwise.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# Development serves static files from the apps' folders; STATIC_ROOT exists after collectstatic.
warnings.filterwarnings("ignore", message="No directory at: ")
STATIC_URL = "static/"
# Where collectstatic writes them, for nginx to serve (deploy/nginx/: /static/).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "mediation.staticfiles.GzipManifestStaticFilesStorage"
        )
    },
    "attachments": attachment_storage(env, BASE_DIR),
}

# Evidence and attachments (docs/deploy.md, "Attachments"). The largest file taken, in bytes; the
# proxy's client_max_body_size (deploy/nginx/mediation.conf) must let it through with the form
# around it: change both together (a test compares them).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# A form's fields besides its files (Django counts no file towards it): 2.5 MB, Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# An uploaded file larger than this goes to a temporary file, not memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# E-mail goes out by SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD, EMAIL_USE_TLS/SSL).
# `make run` sets Django's file backend instead: each e-mail lands in EMAIL_FILE_PATH, and the
# administrators read them at the "sent mail" page (cases/queries/sent_mail.py).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "sent-mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mediation@localhost")

# Text messages to parties (session reminders, with the party's consent): cases.sms. The
# backend is a dotted path like EMAIL_BACKEND: cases.sms.backends.ConsoleBackend (prints),
# FileBackend (SMS_FILE_PATH), LocmemBackend (tests), HttpProviderBackend (SMS_PROVIDER_URL,
# the only address it talks to; docs/deploy.md "SMS" for the interface).
SMS_BACKEND = env.str("SMS_BACKEND", default="cases.sms.backends.ConsoleBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sent-sms"))
SMS_PROVIDER_URL = env.str("SMS_PROVIDER_URL", default="")
SMS_PROVIDER_TOKEN = env.str("SMS_PROVIDER_TOKEN", default="")
SMS_PROVIDER_SENDER = env.str("SMS_PROVIDER_SENDER", default="")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)

# Celery. With no broker configured, tasks run in-process (eagerly) so a laptop needs nothing else.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis behind Sentinel (docs/deploy.md, "Many servers"): the broker (and a result backend, if
# any) as "sentinel://s1:26379;sentinel://s2:26379;sentinel://s3:26379" (a password and the database
# number on the first: "sentinel://:PASSWORD@s1:26379/0;..."), and the name of the master they watch.
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="")
if REDIS_SENTINEL_MASTER:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"master_name": REDIS_SENTINEL_MASTER}
elif any(url.startswith("sentinel://") for url in (CELERY_BROKER_URL, CELERY_RESULT_BACKEND or "")):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL or CELERY_RESULT_BACKEND is a Sentinel URL (sentinel://): set "
        "REDIS_SENTINEL_MASTER to the name of the master the Sentinels watch."
    )

# Observability (docs/architecture.md, "Settings and processes"). /readyz fails a worker or the beat
# whose heartbeat (sent each minute) is older than this, and a read replica this far behind.
READYZ_HEARTBEAT_MAX_AGE_SECONDS = env.int("READYZ_HEARTBEAT_MAX_AGE_SECONDS", default=180)
# How often beat sends those heartbeats (mediation/celery.py). A minute in service; `make
# deploy-check` shortens it so that a fresh stack reports its workers within seconds.
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=60)
if not 1 <= HEARTBEAT_INTERVAL_SECONDS < READYZ_HEARTBEAT_MAX_AGE_SECONDS:
    raise ImproperlyConfigured(
        "HEARTBEAT_INTERVAL_SECONDS must be at least 1 and below READYZ_HEARTBEAT_MAX_AGE_SECONDS "
        f"({READYZ_HEARTBEAT_MAX_AGE_SECONDS}), or /readyz would find every heartbeat stale."
    )
READYZ_REPLICA_MAX_LAG_SECONDS = env.int("READYZ_REPLICA_MAX_LAG_SECONDS", default=30)
# Take a request's id from X-Request-ID only when a proxy in front sets it (mediation.requestlog).
TRUST_REQUEST_ID_HEADER = env.bool("TRUST_REQUEST_ID_HEADER", default=False)
# /metrics answers these client addresses (when not relayed by a proxy), or a client sending
# "Authorization: Bearer <METRICS_TOKEN>"; 404 to anyone else (mediation.metrics).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Error reporting (mediation.sentry): off unless SENTRY_DSN is set; never with personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from mediation import sentry

    sentry.init(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="") or None)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous call then answers 401 with "WWW-Authenticate: Token".
        "cases.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["cases.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "cases.api.ordering.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    # Every operation's error answers and headers, from what it is (cases.api.schema).
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.ContractAutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, reporting X-RateLimit-* on every answer (cases.api.throttling).
        "cases.api.throttling.AnonRateThrottle",
        "cases.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="3000/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# API tokens (django-rest-knox): only a hash of each is stored. A token expires once unused for
# API_TOKEN_TTL_DAYS; each use moves its expiry on, written at most once an hour.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60 * 60,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Mediation case tracker API",
    "DESCRIPTION": (
        "REST API v1 for the 12345 hotline, grid apps and court systems. Scope, transitions, "
        "ETag/If-Match and Idempotency-Key are described in docs/api.md."
    ),
    # Semantic versioning of v1 (docs/api-versioning.md); the changelog's latest release
    # (docs/api-changelog.md, checked by tests/api/test_api_versioning.py).
    "VERSION": "1.9.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One English document whoever asks; component descriptions from their own docstrings only
    # (cases.api.schema).
    "DEFAULT_GENERATOR_CLASS": "cases.api.schema.EnglishSchemaGenerator",
    "GET_LIB_DOC_EXCLUDES": "cases.api.schema.lib_doc_excludes",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from the public validator: no third-party origin (CSP) and no schema sent out.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One operation per transition, each with its typed body (cases.api.transition_operations).
    "PREPROCESSING_HOOKS": ["cases.api.transition_operations.one_path_per_transition"],
    # Choice sets that share a field name ("kind", "role") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "PartyKindEnum": "cases.models.PartyKind",
        "NoteKindEnum": "cases.models.NoteKind",
        "AttachmentKindEnum": "cases.models.AttachmentKind",
        "PartyRoleEnum": "cases.models.PartyRole",
        # A party's identity (intake's input and the party as shown).
        "DocumentTypeEnum": "cases.models.DocumentType",
        "GenderEnum": "cases.models.Gender",
        "EthnicityEnum": "cases.models.Ethnicity",
        "MembershipRoleEnum": "cases.models.Role",
        "CentreLevelEnum": "cases.models.CentreLevel",
        # The case list's filters (POST /cases/search/) name the case's status set too.
        "CaseStatusEnum": "cases.models.Status",
        # The case's fail_guidance and the fail transition's guidance: one choice set.
        "FailGuidanceEnum": "cases.models.FailGuidance",
        # The error answers' codes (cases.errors.ERROR_CODES: docs/errors.md).
        "ErrorCodeEnum": "cases.errors.ERROR_CODE_CHOICES",
        # GET /audit/: what an audit record records.
        "AuditActionEnum": "cases.models.AuditAction",
        # /personal-data/requests/: what a request from the people concerned asks for.
        "SubjectRequestKindEnum": "cases.models.SubjectRequestKind",
        "SubjectRequestStatusEnum": "cases.models.SubjectRequestStatus",
    },
}

# Throttling counters and idempotency waits share this cache: set CACHE_URL to Redis when several
# web processes serve the API, so their counters agree.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# How long an Idempotency-Key is remembered (at least 24 hours, DESIGN §6).
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48)
# How long a repeat waits for a request still holding its Idempotency-Key before 409, and how old
# an unanswered claim (left by a version that committed claims before the work) must be to expire.
IDEMPOTENCY_LEASE_SECONDS = env.float("IDEMPOTENCY_LEASE_SECONDS", default=10.0)

# Retry-After of the 503 answered while the database cannot be reached.
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)

# How long a search holding a phone or ID number is kept behind its opaque key (docs/web.md).
SAVED_SEARCH_TTL_HOURS = env.int("SAVED_SEARCH_TTL_HOURS", default=24)

# The web case list counts its cases exactly up to this many, then says "more than" (issue 21):
# the count reads at most this many + 1 rows, whatever the filter matches.
CASE_LIST_COUNT_LIMIT = env.int("CASE_LIST_COUNT_LIMIT", default=10_000)

# Case list exports (docs/web.md, "Exports"): one of more rows than this is made in the background
# (a Celery task) and its file kept, on the attachments' private storage, this many days.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=50_000)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)

# Retention (docs/personal-data.md, "Retention and anonymisation"): a closed case's parties, notes
# and files are anonymised this many years after closing, unless a retention period set for its
# centre (or one above) and category in the admin says otherwise, or the case is on legal hold.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=10)

# Early warnings (docs/reports.md, "Early warnings"): the daily run's thresholds where no centre
# up the tree sets its own in the admin (Early-warning thresholds).
WARNING_CLUSTER_CASES = env.int("WARNING_CLUSTER_CASES", default=5)
WARNING_CLUSTER_DAYS = env.int("WARNING_CLUSTER_DAYS", default=14)
WARNING_GROUP_APPLICANTS = env.int("WARNING_GROUP_APPLICANTS", default=5)
WARNING_PERSON_OPEN_CASES = env.int("WARNING_PERSON_OPEN_CASES", default=3)
WARNING_SURGE_PERCENT = env.int("WARNING_SURGE_PERCENT", default=200)
WARNING_SURGE_MINIMUM = env.int("WARNING_SURGE_MINIMUM", default=10)

# The wall screen (docs/web.md, "The wall screen") fetches its figures again this often.
WALL_REFRESH_SECONDS = env.int("WALL_REFRESH_SECONDS", default=60)

# One JSON line per request and per task started (mediation.requestlog). `make run` turns them off:
# runserver prints its own line per request, and the console is for the developer.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=True)
_REQUEST_LOG_LEVEL = "INFO" if LOG_REQUESTS else "WARNING"

# Every handler masks phone and ID numbers (mediation/logs.py): a query string or a path may still
# carry one, and the request logs write both.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_numbers": {"()": "mediation.logs.MaskPersonalNumbers"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        # mediation.requests and mediation.tasks: one JSON object a line, their fields as keys.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_numbers"]},
        # runserver's request line, as Django prints it, masked.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_numbers"],
        },
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["personal_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler would print every line a second time beside the root's.
        "django": {"handlers": [], "propagate": True},
        # Replaces Django's default "django.server" handler, which has no mask.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # One line per request and per task started, with the request id (mediation.requestlog).
        "mediation.requests": {
            "handlers": ["json"],
            "level": _REQUEST_LOG_LEVEL,
            "propagate": False,
        },
        "mediation.tasks": {"handlers": ["json"], "level": _REQUEST_LOG_LEVEL, "propagate": False},
        # One line per login attempt at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # The PDF renderer narrates every step of every document at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # No broker (make run): tasks run inside the request that queues them. A task's "succeeded"
    # line, and kombu's "No hostname was supplied" for the broker that is not there, are noise;
    # a failing task raises into its request (CELERY_TASK_EAGER_PROPAGATES) and is logged there.
    LOGGING["loggers"] |= {
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    }

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
