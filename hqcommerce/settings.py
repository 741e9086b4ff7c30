"""Settings for the HQ back office.

Everything that differs between a laptop and production comes from the environment;
the defaults give an embedded setup (SQLite file under var/ + django-q2's ORM broker)
that needs nothing else installed.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HQ_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

# Production hardening (what `manage.py check --deploy` asks for). Behind a TLS-terminating
# proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1; DJANGO_SECURE=0 only for a plain-HTTP bench.
SECURE = env_bool("DJANGO_SECURE", not DEBUG)
if SECURE:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "hqcommerce.apps.HQAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_q",
    "axes",
    "rangefilter",
    "hqcommerce.apps.HqCommerceConfig",
    "channels_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "channels_app.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

# Admin logins are throttled by django-axes: after HQ_LOGIN_FAILURE_LIMIT wrong passwords for
# one user from one address, that pair is locked out for HQ_LOGIN_COOLOFF_MINUTES. Attempts
# are kept in HQ's database; staff unlock a pair by deleting its row under Axes › Access
# attempts. (POS device keys have their own rate limit, HQ_API_RATE.)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("HQ_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HQ_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

ROOT_URLCONF = "hqcommerce.urls"
WSGI_APPLICATION = "hqcommerce.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases --------------------------------------------------------------------------------
# Two places, as in D365 Commerce: HQ's database (DATABASE_URL, alias "default") and the
# channel databases (one per scale unit), from CHANNEL_DATABASE_URLS = "CODE=URL,CODE=URL".
# Each channel database is the Django alias "channel_<code in lower case>". Unset: one,
# DEFAULT, in a SQLite file beside HQ's. Only the jobs move data between the two kinds.
#
# SQLite files run in WAL mode with a busy timeout and IMMEDIATE transactions, so the web
# server and the django-q2 worker can write side by side without "database is locked".
# HQ_REALTIME_TIMEOUT_SECONDS bounds how long a sync-mode store's POS waits for HQ before
# it falls back to async mode: on PostgreSQL it is the connect timeout of HQ's connection.
HQ_REALTIME_TIMEOUT_SECONDS = float(os.environ.get("HQ_REALTIME_TIMEOUT_SECONDS", "2"))
if HQ_REALTIME_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("HQ_REALTIME_TIMEOUT_SECONDS must be above 0.")


def database_settings(url: str, *, sqlite_busy_seconds: float = 30) -> dict:
    """A DATABASES entry for a URL, tuned as every database of the product is."""
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A PostgreSQL connection is a server process: keep it across requests (checked
        # before reuse) instead of forking one per API call. HQ_DB_CONN_MAX_AGE=0 closes it.
        config["CONN_MAX_AGE"] = int(os.environ.get("HQ_DB_CONN_MAX_AGE", "60"))
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})["connect_timeout"] = max(
            1, round(HQ_REALTIME_TIMEOUT_SECONDS)
        )
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Django's SQLite backend, plus a pause after each commit of a job run (its docstring).
        config["ENGINE"] = "channels_app.db.sqlite3"
        # A 16 MB page cache per connection (SQLite's default is 2 MB): jobs run as fast at
        # 100k customers as with 64 MB, and a process's memory stays flat as the file grows.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": sqlite_busy_seconds,
        }
    return config


def channel_database_urls(value: str | None) -> dict[str, str]:
    """CHANNEL_DATABASE_URLS parsed: {code: url}, in the order given."""
    if not value:
        return {"DEFAULT": f"sqlite:///{VAR_DIR / 'channel-default.sqlite3'}"}
    urls: dict[str, str] = {}
    for item in value.split(","):
        code, sep, url = item.strip().partition("=")
        code = code.strip().upper()
        if not sep or not code or not url.strip():
            raise ImproperlyConfigured(
                f"CHANNEL_DATABASE_URLS: {item.strip()!r} is not CODE=URL "
                "(e.g. DEFAULT=postgres://host/store_eu,US=postgres://host/store_us)."
            )
        if not code.replace("_", "").replace("-", "").isalnum() or code in urls:
            raise ImproperlyConfigured(
                f"CHANNEL_DATABASE_URLS: {code!r} is not a valid, unique database code."
            )
        urls[code] = url.strip()
    return urls


_default_sqlite = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": database_settings(os.environ.get("DATABASE_URL", _default_sqlite))}
# {channel database code: Django alias}
CHANNEL_DATABASES = {}
# A channel database may be far away (its scale unit's region): HQ's pages and jobs give up
# on one that does not connect within HQ_CHANNEL_DB_CONNECT_SECONDS, or whose statement runs
# past HQ_CHANNEL_DB_STATEMENT_SECONDS, or whose link stops acknowledging what is sent for as
# long (PostgreSQL), and report it unreachable instead of hanging.
HQ_CHANNEL_DB_CONNECT_SECONDS = float(os.environ.get("HQ_CHANNEL_DB_CONNECT_SECONDS", "3"))
HQ_CHANNEL_DB_STATEMENT_SECONDS = float(os.environ.get("HQ_CHANNEL_DB_STATEMENT_SECONDS", "10"))
if HQ_CHANNEL_DB_CONNECT_SECONDS <= 0 or HQ_CHANNEL_DB_STATEMENT_SECONDS <= 0:
    raise ImproperlyConfigured("HQ_CHANNEL_DB_*_SECONDS must be above 0.")


def channel_database_settings(url: str) -> dict:
    config = database_settings(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options["connect_timeout"] = max(1, round(HQ_CHANNEL_DB_CONNECT_SECONDS))
        options["options"] = f"-c statement_timeout={int(HQ_CHANNEL_DB_STATEMENT_SECONDS * 1000)}"
        options["tcp_user_timeout"] = int(HQ_CHANNEL_DB_CONNECT_SECONDS * 1000)
        options.update(keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2)
    return config


for _code, _url in channel_database_urls(os.environ.get("CHANNEL_DATABASE_URLS")).items():
    CHANNEL_DATABASES[_code] = f"channel_{_code.lower().replace('-', '_')}"
    DATABASES[CHANNEL_DATABASES[_code]] = channel_database_settings(_url)
DATABASE_ROUTERS = ["channels_app.databases.ChannelDatabaseRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The admin follows the browser's language and the API follows Accept-Language;
# LANGUAGE_CODE is the fallback and the language of workers and management commands
# (so job-run summaries and failed records' reasons are written in it).
LANGUAGES = [("en", "English"), ("es", "Español")]
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"DJANGO_LANGUAGE_CODE={LANGUAGE_CODE!r} is not supported; use one of "
        f"{', '.join(dict(LANGUAGES))}."
    )
# Catalogs: hqcommerce/locale (also the project templates') and channels_app/locale.
LOCALE_PATHS = [BASE_DIR / "hqcommerce" / "locale"]
# One date format per language on every page: a list's datetime columns and the dates the
# admin formats itself read alike (hqcommerce/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["hqcommerce.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- django-q2 --------------------------------------------------------------------------------
# The ORM broker is the embedded default; Q_BROKER=redis switches to Redis for many workers.
# The ORM broker may deliver a task twice (after `retry` seconds without an ack), so every task
# is idempotent: a job run is claimed atomically from "queued" before it does any work.
Q_BROKER = os.environ.get("Q_BROKER", "orm").lower()
Q_CLUSTER: dict = {
    "name": os.environ.get("Q_CLUSTER_NAME", "hqcommerce"),
    "workers": int(os.environ.get("Q_WORKERS", "1")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "3600")),
    "retry": int(os.environ.get("Q_RETRY", "3900")),
    "max_attempts": 2,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Django Q2",
    "sync": env_bool("Q_SYNC", False),
}
if Q_BROKER == "redis":
    Q_CLUSTER["redis"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
elif Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5
else:
    raise ImproperlyConfigured(f"Q_BROKER must be 'orm' or 'redis', not {Q_BROKER!r}.")

# --- Cache ---------------------------------------------------------------------------------
# The API's rate limits (per device key or user, and failed keys per address) are counted in
# a cache every web process shares, so N workers do not grant N times the limit: Redis when
# REDIS_URL is set or Q_BROKER=redis, else a table in the first channel database, which the
# POS depends on anyway (never HQ's: a store keeps working while HQ is down), made by
# `migrate_all` (`createcachetable`). A cache that fails lets the request through.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL or Q_BROKER == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL or "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": os.environ.get("Q_CLUSTER_NAME", "hqcommerce"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hq_cache",
        }
    }
CACHE_DATABASE_ALIAS = next(iter(CHANNEL_DATABASES.values()))

# --- REST framework ---------------------------------------------------------------------------
# POS registers authenticate with a device key (`Authorization: Api-Key <key>`); back-office
# users and scripts with a session or a token (`Authorization: Token <token>`).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "channels_app.api.authentication.DeviceKeyAuthentication",
        "channels_app.api.authentication.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["channels_app.api.permissions.IsDeviceOrPermittedStaff"],
    "DEFAULT_THROTTLE_CLASSES": ["channels_app.api.throttling.DeviceRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["channels_app.api.parsers.LimitedJSONParser"],
    # The browsable API is a developer's page: JSON only unless DEBUG is on.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "channels_app.api.exceptions.DomainExceptionHandler",
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "409",
        "413",
        "415",
        "422",
        "429",
        "500",
        "503",
    ],
    "ERROR_SCHEMAS": {
        "400": "channels_app.api.exceptions.ValidationErrorResponse",
        "409": "channels_app.api.exceptions.ClientErrorResponse",
        "413": "channels_app.api.exceptions.ClientErrorResponse",
        "422": "channels_app.api.exceptions.ClientErrorResponse",
        "503": "channels_app.api.exceptions.HQUnavailableResponse",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HQ Commerce API",
    "DESCRIPTION": "POS registers and back-office scripts: customers (sync and async), "
    "addresses, sales, synchronization status and jobs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in (
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            "ErrorCode401Enum",
            "ErrorCode403Enum",
            "ErrorCode404Enum",
            "ErrorCode405Enum",
            "ErrorCode406Enum",
            "ErrorCode415Enum",
            "ErrorCode429Enum",
            "ErrorCode500Enum",
        )
    }
    | {
        "JobRunStatusEnum": "hqcommerce.models.jobs.JobStatus.choices",
        "CustomerSyncStatusEnum": ["synced", "pending_sync"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "channels_app.api.schema.bodies_are_required",
        "channels_app.api.schema.text_parameters_refuse_nul",
        "channels_app.api.schema.blank_or_text_is_any_of",
    ],
}
# Bodies above this are refused before parsing (the POS sends small JSON documents).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("HQ_MAX_BODY_BYTES", str(256 * 1024)))

# --- The product's own knobs -----------------------------------------------------------------
HQ_JOB_BATCH_SIZE = int(os.environ.get("HQ_JOB_BATCH_SIZE", "500"))
# SQLite only: how long a job run pauses after each commit so waiting POS writes get a turn.
HQ_SQLITE_JOB_YIELD_MS = float(os.environ.get("HQ_SQLITE_JOB_YIELD_MS", "20"))
# Unix nice value each django-q2 worker process takes when it starts (0: unchanged), so POS
# requests get the CPU before background jobs on a machine they share.
HQ_WORKER_NICE = int(os.environ.get("HQ_WORKER_NICE", "10"))
if not 0 <= HQ_WORKER_NICE <= 19:
    raise ImproperlyConfigured(f"HQ_WORKER_NICE must be 0..19, not {HQ_WORKER_NICE}.")
# SQLite only: records per transaction in a near-real-time run (short write-lock holds).
HQ_AUTO_BATCH_SIZE = int(os.environ.get("HQ_AUTO_BATCH_SIZE", "25"))
# How often a running job writes its progress (each write is a short write transaction).
HQ_PROGRESS_WRITE_SECONDS = float(os.environ.get("HQ_PROGRESS_WRITE_SECONDS", "0.5"))
HQ_CUSTOMER_NUMBER_SEQUENCE = "customer_account"
HQ_SALES_ORDER_NUMBER_SEQUENCE = "sales_order"
HQ_LOYALTY_CARD_NUMBER_SEQUENCE = "loyalty_card"
HQ_SCHEDULE_MINUTES = int(os.environ.get("HQ_SCHEDULE_MINUTES", "15"))
# A running job whose heartbeat is older than this is taken as dead (its worker crashed).
HQ_JOB_STALE_SECONDS = int(os.environ.get("HQ_JOB_STALE_SECONDS", "300"))
# How long a job waits for the same job on the same channel to finish before it gives up.
HQ_JOB_LOCK_WAIT_SECONDS = float(os.environ.get("HQ_JOB_LOCK_WAIT_SECONDS", "60"))
# Near-real-time conversion (per functionality profile, this switch is for the whole site).
HQ_AUTO_CONVERT = env_bool("HQ_AUTO_CONVERT", True)
# A trigger queued or running longer than this is presumed lost (worker died) and re-armed.
HQ_TRIGGER_STALE_SECONDS = int(os.environ.get("HQ_TRIGGER_STALE_SECONDS", "600"))
# Auto runs start at least this far apart, so a stream of POS writes gathers into few runs.
HQ_TRIGGER_MIN_INTERVAL_SECONDS = float(os.environ.get("HQ_TRIGGER_MIN_INTERVAL_SECONDS", "2"))
# Retention (purge_history): how long an Idempotency-Key is remembered, and how long
# finished history (completed staging records, job runs, posted sales, mapped channel
# records) is kept. Unresolved and still referenced rows are never purged.
HQ_IDEMPOTENCY_TTL_HOURS = float(os.environ.get("HQ_IDEMPOTENCY_TTL_HOURS", "24"))
HQ_RETENTION_DAYS = float(os.environ.get("HQ_RETENTION_DAYS", "90"))
if HQ_IDEMPOTENCY_TTL_HOURS < 0 or HQ_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("HQ_IDEMPOTENCY_TTL_HOURS and HQ_RETENTION_DAYS must be >= 0.")
# Rows per purge transaction: short, so POS writes and other jobs are not held up; and after
# each, a pause this many times as long as the batch took (the purge's share of the machine).
HQ_PURGE_BATCH_SIZE = int(os.environ.get("HQ_PURGE_BATCH_SIZE", "100"))
HQ_PURGE_PAUSE_RATIO = float(os.environ.get("HQ_PURGE_PAUSE_RATIO", "1"))
# Requests per device (or per back-office user) before the API answers 429; and wrong keys or
# tokens one address may send in a minute before it too gets 429.
HQ_API_RATE = os.environ.get("HQ_API_RATE", "1200/min")
HQ_API_AUTH_FAILURES_PER_MINUTE = int(os.environ.get("HQ_API_AUTH_FAILURES_PER_MINUTE", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Customer emails and phone numbers never reach the logs in clear.
    "filters": {"mask_pii": {"()": "channels_app.logging.MaskPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]}},
    "loggers": {
        "hqcommerce": {"handlers": ["console"], "level": os.environ.get("HQ_LOG_LEVEL", "INFO")},
        "channels_app": {"handlers": ["console"], "level": os.environ.get("HQ_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # runserver's access log: a request line carries a search or a path with an email.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The store's door to HQ's real-time service (channels_app/hq.py). HQ_REALTIME_URL set (a
# scale unit on its own, e.g. https://hq.example/api/rts/v1): one HTTP call per operation with
# the scale unit's service key HQ_REALTIME_KEY (HQ admin › Scale unit service keys, or
# `manage.py create_scale_unit_key`). Unset (one machine): HQ's service in this process,
# named here because channels_app names no HQ code.
HQ_REALTIME_URL = os.environ.get("HQ_REALTIME_URL", "").strip()
HQ_REALTIME_KEY = os.environ.get("HQ_REALTIME_KEY", "").strip()
if HQ_REALTIME_URL and not HQ_REALTIME_KEY:
    raise ImproperlyConfigured("HQ_REALTIME_URL is set: set HQ_REALTIME_KEY (a service key) too.")
CHANNELS_HQ_SERVICE = "hqcommerce.services.realtime_service.service"
# How often HQ's trigger watcher polls the channel databases for stores that asked for a
# near-real-time conversion (manage.py watch_triggers; run_all starts it).
HQ_TRIGGER_POLL_SECONDS = float(os.environ.get("HQ_TRIGGER_POLL_SECONDS", "0.5"))
# What one customer may have, so one register cannot grow a customer without end (every
# store's copy and every page of it carries all of it): addresses, loyalty cards, and edits a
# store has queued for it and not yet uploaded. Beyond them: 409 naming the limit.
HQ_CUSTOMER_MAX_ADDRESSES = int(os.environ.get("HQ_CUSTOMER_MAX_ADDRESSES", "50"))
HQ_CUSTOMER_MAX_LOYALTY_CARDS = int(os.environ.get("HQ_CUSTOMER_MAX_LOYALTY_CARDS", "5"))
HQ_CUSTOMER_MAX_QUEUED_EDITS = int(os.environ.get("HQ_CUSTOMER_MAX_QUEUED_EDITS", "100"))
# A sale's business date must be within this many days of today (either way).
HQ_SALE_DATE_WINDOW_DAYS = int(os.environ.get("HQ_SALE_DATE_WINDOW_DAYS", "31"))
