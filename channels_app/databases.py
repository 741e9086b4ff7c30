"""Which channel database channel code works on, and the router that keeps each app on its
own kind of database.

HQ's tables live in `default`; channels_app's in the channel databases (settings:
CHANNEL_DATABASES, {code: alias}). A piece of channel work runs inside
`channel_database(alias)`: the POS request for the device's store, or a job for the database
it is reading or writing. Channel data read or written outside one is an error when there is
more than one channel database, never a silent write to the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

APP_LABEL = "channels_app"
CACHE_APP_LABEL = "django_cache"

_current: ContextVar[str | None] = ContextVar("channel_database", default=None)


class NoChannelDatabase(RuntimeError):
    """Channel data was touched with no channel database chosen."""


def channel_database_aliases() -> dict[str, str]:
    """{channel database code: Django alias}, as configured (CHANNEL_DATABASE_URLS)."""
    return dict(settings.CHANNEL_DATABASES)


def channel_database_alias(code: str) -> str:
    try:
        return settings.CHANNEL_DATABASES[code]
    except KeyError:
        raise NoChannelDatabase(
            f"Channel database {code!r} is not configured; CHANNEL_DATABASE_URLS has "
            f"{', '.join(settings.CHANNEL_DATABASES)}."
        ) from None


def is_channel_database(alias: str) -> bool:
    return alias in settings.CHANNEL_DATABASES.values()


@contextmanager
def channel_database(alias: str) -> Iterator[str]:
    """Route channel models to `alias` for the duration of the block (per thread/task)."""
    if not is_channel_database(alias):
        raise NoChannelDatabase(f"{alias!r} is not a channel database alias.")
    token = _current.set(alias)
    try:
        yield alias
    finally:
        _current.reset(token)


def current_channel_database() -> str:
    alias = _current.get()
    if alias is not None:
        return alias
    aliases = list(settings.CHANNEL_DATABASES.values())
    if len(aliases) == 1:
        return aliases[0]
    raise NoChannelDatabase(
        "Channel data read or written outside `channel_database(...)`, and there are "
        f"{len(aliases)} channel databases: say which."
    )


class ChannelDatabaseRouter:
    """channels_app to the channel databases, every other app to HQ's (`default`)."""

    def _route(self, model, **hints) -> str:
        if model._meta.app_label == CACHE_APP_LABEL:  # Django's database cache
            return getattr(settings, "CACHE_DATABASE_ALIAS", DEFAULT_DB_ALIAS)
        if model._meta.app_label != APP_LABEL:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return current_channel_database()

    db_for_read = _route
    db_for_write = _route

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if obj1._state.db and obj2._state.db:
            return obj1._state.db == obj2._state.db
        return None

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        if app_label == CACHE_APP_LABEL:
            return True  # every database may hold the cache table (createcachetable)
        if is_channel_database(db):
            return app_label == APP_LABEL
        return app_label != APP_LABEL


def error_line(exc: BaseException) -> str:
    """A database error as one line for a job run, a log or a dashboard cell."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def close_quietly(alias: str) -> None:
    """Drop a connection that has failed: the next use reconnects."""
    from django.db import connections

    with suppress(Exception):  # already broken
        connections[alias].close()


class ChannelDatabaseUnavailable(Exception):
    """A channel database refused, dropped or timed out a connection."""

    def __init__(self, alias: str, reason: BaseException):
        self.alias = alias
        self.code = next((c for c, a in settings.CHANNEL_DATABASES.items() if a == alias), alias)
        self.reason = reason
        self.summary = error_line(reason)
        super().__init__(f"{self.code}: {reason}")


@contextmanager
def reaching(alias: str) -> Iterator[str]:
    """Work on channel database `alias`, inside `channel_database(alias)`: a connection
    failure becomes ChannelDatabaseUnavailable, so a job tells it apart from HQ's own
    failures, reports that database and goes on with the others."""
    from django.db import InterfaceError, OperationalError

    try:
        with channel_database(alias):
            yield alias
    except (OperationalError, InterfaceError) as exc:
        close_quietly(alias)
        raise ChannelDatabaseUnavailable(alias, exc) from exc
