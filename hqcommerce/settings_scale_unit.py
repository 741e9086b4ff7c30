"""Settings for a scale unit (D365's Commerce Scale Unit): the store side on its own.

It serves the POS API for the stores of its channel database(s) and nothing else: no admin,
no jobs, no synchronization status. It holds no HQ database credentials (its `default`
alias is Django's dummy backend, so any HQ query fails loudly) and runs none of HQ's code; it
reaches HQ only through HQ's real-time service, one bounded HTTP call per operation.

    DJANGO_SETTINGS_MODULE=hqcommerce.settings_scale_unit
    CHANNEL_DATABASE_URLS=EU=postgres://su-eu@db-eu/channel_eu   # this scale unit's only
    HQ_REALTIME_URL=https://hq.example/api/rts/v1                # HQ's real-time service
    HQ_REALTIME_KEY=<service key>                                # create_scale_unit_key

HQ migrates the channel databases and writes to them (1010, 1070); see docs/operations.md.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import CHANNEL_DATABASES, DATABASES, HQ_REALTIME_URL, REST_FRAMEWORK
from .settings import SPECTACULAR_SETTINGS as _HQ_SPECTACULAR

if os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "A scale unit holds no HQ database: unset DATABASE_URL (its stores' data is in "
        "CHANNEL_DATABASE_URLS; HQ is reached through HQ_REALTIME_URL)."
    )
if not HQ_REALTIME_URL:
    raise ImproperlyConfigured(
        "A scale unit reaches HQ only through its real-time service: set HQ_REALTIME_URL and "
        "HQ_REALTIME_KEY."
    )
if not os.environ.get("CHANNEL_DATABASE_URLS"):
    raise ImproperlyConfigured(
        "Name this scale unit's channel database(s): CHANNEL_DATABASE_URLS=CODE=URL[,...]."
    )

# Django needs a `default`; a scale unit's is the dummy backend: nothing of HQ's is here.
DATABASES = {
    "default": {},
    **{alias: DATABASES[alias] for alias in CHANNEL_DATABASES.values()},
}

INSTALLED_APPS = [
    # auth and contenttypes for DRF's anonymous user only: no table of theirs is read.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "channels_app",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "channels_app.middleware.RefuseNulMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]
AUTHENTICATION_BACKENDS: list[str] = []
ROOT_URLCONF = "channels_app.urls"
WSGI_APPLICATION = "hqcommerce.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

# Only POS registers call a scale unit: device keys, JSON in and out.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": ["channels_app.api.authentication.DeviceKeyAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    **_HQ_SPECTACULAR,
    "TITLE": "Scale unit POS API",
    "DESCRIPTION": "POS registers: customers (sync and async), addresses, sales, partner "
    "requests and loyalty cards, for this scale unit's stores.",
    "ENUM_NAME_OVERRIDES": {
        name: value
        for name, value in _HQ_SPECTACULAR["ENUM_NAME_OVERRIDES"].items()
        if not str(value).startswith("hqcommerce.")
    },
}
