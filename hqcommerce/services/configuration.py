"""1070 (Channel configuration): HQ's configuration of each store, sent down to its channel
database, so the POS works from it without asking HQ (D365's 1070 and 1090 jobs).

What goes down, per store: its code and name, its functionality profile's switches (async
creation, near-real-time conversion), HQ's async-customer feature switches (Commerce
parameters), what new customers inherit from its default customer,
and its registers' device keys (hashed). Each run sends every store of each database it
touches: a few rows a store, so a missed run is simply repaired by the next. HQ also writes
one store through at once (`channel_configuration_push`) when staff change it or one of its
keys, if its database answers; otherwise the next run brings it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from channels_app.databases import (
    ChannelDatabaseUnavailable,
    channel_database_aliases,
    reaching,
)
from channels_app.errors import ConflictError
from channels_app.features import FEATURES, FeatureSwitches
from channels_app.services.config import configuration_apply
from hqcommerce.models import Channel, ChannelDatabase, CommerceParameters, DeviceKey, JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy

from .customers import channel_defaults
from .faults import CONFIGURATION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE, crash_point
from .jobs import (
    JobResult,
    JobTracker,
    ProgressCallback,
    channels_by_database,
    channels_resolve,
    heap_frozen,
    job_service,
)

logger = logging.getLogger(__name__)


def commerce_parameters() -> CommerceParameters:
    """HQ's one row of Commerce parameters (made on migrate; remade if ever missing)."""
    return CommerceParameters.objects.get_or_create(pk=1)[0]


def commerce_parameters_update(*, switches: dict[str, bool]) -> CommerceParameters:
    """Turn D365's async-customer feature switches on or off, then write them through to
    every store whose database answers (1070 brings them to the others)."""
    unknown = set(switches) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown feature switches: {sorted(unknown)}")
    with transaction.atomic():
        parameters = CommerceParameters.objects.select_for_update().get_or_create(pk=1)[0]
        for feature, on in switches.items():
            setattr(parameters, feature, bool(on))
        parameters.full_clean()
        parameters.save()
    channel_configuration_push(channels=Channel.objects.all())
    return parameters


def store_configuration(channel: Channel, switches: FeatureSwitches) -> dict:
    """What the channel database keeps of this store (`switches`: HQ's, read once a send)."""
    defaults = channel_defaults(channel)
    return {
        **{feature: switches.is_on(feature) for feature in FEATURES},
        "id": channel.pk,
        "code": channel.code,
        "name": channel.name,
        "create_customer_async": channel.profile.create_customer_async,
        "auto_convert": channel.profile.auto_convert,
        "default_party_type": defaults.party_type,
        "default_customer_group": defaults.customer_group,
        "default_currency": defaults.currency,
        "default_language": defaults.language,
        "default_receipt_preference": defaults.receipt_preference,
        "default_affiliations": list(defaults.affiliations),
        "attribute_definitions": list(defaults.attribute_definitions),
        "customer_groups": list(defaults.customer_groups),
        "known_affiliations": list(defaults.known_affiliations),
        "currencies": list(defaults.currencies),
        "country": channel.country,
        # The store numbers its records after what HQ holds (a store that moved here).
        "upload_floor": channel.upload_watermark,
    }


def _keys(channels: Iterable[Channel]) -> list[dict]:
    return list(
        DeviceKey.objects.filter(channel__in=list(channels)).values(
            "id", "channel_id", "prefix", "hashed_key", "created", "name", "revoked", "expiry_date"
        )
    )


def _stores(channels: Iterable[Channel]) -> list[Channel]:
    return list(
        Channel.objects.filter(pk__in=[c.pk for c in channels]).select_related(
            "profile", "default_customer", "channel_database"
        )
    )


@job_service(JobKind.CHANNEL_CONFIGURATION)
@heap_frozen
def channel_configuration_run(
    *,
    channels: list[str] | None = None,
    dry_run: bool = False,
    job_run: JobRun | None = None,
    progress: ProgressCallback | None = None,
) -> JobResult:
    """Send every store of each channel database that serves the selected stores."""
    tracker = JobTracker(job_run, progress, dry_run=dry_run)
    selected = channels_resolve(channels)
    databases = {c.channel_database_id for c in selected}
    stores = _stores(Channel.objects.filter(channel_database_id__in=databases))
    tracker.add_total(len(stores))
    by_database = channels_by_database(stores)
    if not channels:  # every database, those HQ keeps no store in too (stores moved away)
        for alias in channel_database_aliases().values():
            by_database.setdefault(alias, [])
    for alias, members in sorted(by_database.items()):
        if dry_run:
            tracker.advance(processed=len(members), created=len(members))
            continue
        try:
            _send(alias, members, complete=True)
        except ChannelDatabaseUnavailable as exc:
            tracker.database_unreachable(exc)
            continue
        tracker.advance(processed=len(members), created=len(members))
    return tracker.result


def _send(alias: str, members: list[Channel], *, complete: bool) -> None:
    switches = FeatureSwitches.of(commerce_parameters())
    stores, keys = [store_configuration(c, switches) for c in members], _keys(members)
    crash_point(CONFIGURATION_BETWEEN_HQ_READ_AND_CHANNEL_WRITE)
    with reaching(alias):
        configuration_apply(alias=alias, stores=stores, keys=keys, complete=complete)


def channel_configuration_push(*, channels: Iterable[Channel]) -> list[str]:
    """Write these stores' configuration and keys through to their channel databases now.

    Best effort: a database that does not answer is logged and left to the next 1070 run.
    Returns the codes of the databases that could not be reached.
    """
    missed = []
    for alias, members in channels_by_database(_stores(channels)).items():
        try:
            _send(alias, members, complete=False)
        except ChannelDatabaseUnavailable as exc:
            logger.warning("%s; its stores get their configuration at the next 1070", exc)
            missed.append(exc.code)
    return missed


def channel_move(*, channel: Channel, database: ChannelDatabase, user=None) -> None:
    """Move a store to another channel database (scale unit) without losing anything.

    1. Its registers stop writing in the old database (its keys there are removed), so what
       it wrote there is final; both databases must answer, or nothing changes.
    2. The P-job uploads all of it to HQ now.
    3. Only then HQ points the store at the new database, and writes the store, its keys and
       an upload counter that continues after what HQ holds: its registers go on with the
       same keys, and no key is valid in two databases.
    A move that cannot upload everything leaves the store where it was, working.
    """
    from django.db import connections

    from channels_app.services.config import store_close, store_reopen

    from .jobs import job_run_create, job_run_execute

    channel = Channel.objects.select_related("channel_database").get(pk=channel.pk)
    if channel.channel_database_id == database.pk:
        return
    old_alias, new_alias = channel.database_alias, database.database_alias
    with reaching(new_alias):
        connections[new_alias].ensure_connection()
    with reaching(old_alias):
        last = store_close(alias=old_alias, store_id=channel.pk)
    run = job_run_create(
        kind=JobKind.PJOB, channels=[channel.code], triggered_by=TriggeredBy.USER, user=user
    )
    job_run_execute(run.pk)
    channel.refresh_from_db(fields=["upload_watermark"])
    if channel.upload_watermark < last:
        with reaching(old_alias):
            store_reopen(alias=old_alias, store_id=channel.pk)
        channel_configuration_push(channels=[channel])
        raise ConflictError(
            _(
                "Store %(code)s was not moved: what it wrote in channel database %(old)s could "
                "not all be uploaded (%(error)s). It keeps working there; try again."
            )
            % {
                "code": channel.code,
                "old": channel.channel_database.code,
                "error": JobRun.objects.get(pk=run.pk).error_summary or "-",
            }
        )
    Channel.objects.filter(pk=channel.pk).update(channel_database=database)
    channel.refresh_from_db()
    missed = channel_configuration_push(channels=[channel])
    if missed:
        logger.warning("store %s moved; %s gets it at the next 1070", channel.code, missed)
