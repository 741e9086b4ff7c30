"""Job runs: creating, enqueuing and executing them, and tracking a service's progress.

Every way of starting a job (admin, API, command, schedule, pipeline) ends in
`job_run_execute`, which claims the run atomically first: django-q2's ORM broker may deliver
a task twice, and the second delivery then finds the run no longer queued and does nothing.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from channels_app.databases import ChannelDatabaseUnavailable, close_quietly, error_line
from channels_app.errors import HQError, Message, UnknownChannelError, message_json
from hqcommerce.models import Channel, JobLock, JobRun
from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
MAX_ERRORS_KEPT = 20
P = ParamSpec("P")
R = TypeVar("R")


def heap_frozen(job: Callable[P, R]) -> Callable[P, R]:
    """Run a batch job with the process's existing objects out of the cyclic GC's sight.

    A job allocates dicts and lists for every row, so Python's collector runs every few
    hundred allocations, and each full collection walks every object in the process: Django's
    models, URL patterns and imported modules, which the job never frees. It took a tenth of
    a 10k conversion's time. `gc.freeze()` parks what exists at the start in a permanent
    generation until the job ends; the job's own garbage is collected as before. Nested jobs
    (the pipeline's steps) and a heap frozen by someone else are left alone.
    """

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if gc.get_freeze_count():
            return job(*args, **kwargs)
        gc.freeze()
        try:
            return job(*args, **kwargs)
        finally:
            gc.unfreeze()

    return run


# Set while a dry run rehearses: the jobs it runs (a pipeline's steps) join its transaction.
_rehearsing: ContextVar[bool] = ContextVar("rehearsing", default=False)


def rehearsed(job: Callable[P, R]) -> Callable[P, R]:
    """A dry run of this job is a rehearsal: it does on HQ's database everything the real run
    does, every check and every write, inside one transaction that is then rolled back, so
    it reports what the real run would report (a pipeline's steps see each other's work).
    `dry_run` then only keeps the job off the channel databases, which it reads and whose
    writes it counts instead. Its progress shows when it finishes; on SQLite it holds HQ's
    write lock while it runs (the stores, on their own databases, are not held)."""

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if not kwargs.get("dry_run") or _rehearsing.get():
            return job(*args, **kwargs)
        token = _rehearsing.set(True)
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                result = job(*args, **kwargs)
                transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            return result
        finally:
            _rehearsing.reset(token)

    return run


@dataclass
class JobResult:
    """Counts of one run. With dry_run they are what the run *would* do."""

    processed: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    # (done, total) as the tracker last saw it; written with the outcome, because the
    # tracker writes progress to the database at most every HQ_PROGRESS_WRITE_SECONDS.
    progress: tuple[int, int] | None = None
    # Channel databases the run could not reach: {code: reason}. The run went on with the
    # others; a later run catches these up.
    unreachable: dict[str, str] = field(default_factory=dict)
    # The purge's rows removed (or, dry, that would be) per table: {model label: rows}.
    removed: dict[str, int] = field(default_factory=dict)

    def add(self, *, processed=0, created=0, skipped=0, failed=0, errors: Iterable[str] = ()):
        self.processed += processed
        self.created += created
        self.skipped += skipped
        self.failed += failed
        for error in errors:
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(error)

    def merge(self, other: JobResult) -> None:
        self.add(
            processed=other.processed,
            created=other.created,
            skipped=other.skipped,
            failed=other.failed,
            errors=other.errors,
        )
        self.unreachable.update(other.unreachable)


class JobTracker:
    """Writes a service's progress to its job run (django-q2 has no progress API)."""

    def __init__(
        self,
        job_run: JobRun | None,
        progress: ProgressCallback | None = None,
        *,
        dry_run: bool = False,
    ):
        self.job_run = job_run
        self.progress = progress
        self.result = JobResult(dry_run=dry_run)
        self.done = 0
        self.total = 0
        self._written_at: float | None = None

    def add_total(self, count: int) -> None:
        self.total += count
        self._write()

    def advance(self, *, processed=0, created=0, skipped=0, failed=0, errors=()) -> None:
        self.result.add(
            processed=processed, created=created, skipped=skipped, failed=failed, errors=errors
        )
        self.done += processed
        self.total = max(self.total, self.done)
        self._write()

    def database_unreachable(self, exc: ChannelDatabaseUnavailable) -> None:
        """A channel database did not answer: report it and go on with the others."""
        code, reason = exc.code, exc.summary
        logger.warning("channel database %s unreachable: %s", code, reason)
        self.result.unreachable[code] = reason
        if self.job_run is not None:
            JobRun.objects.filter(pk=self.job_run.pk).update(
                unreachable=dict(self.result.unreachable)
            )

    def set_done(self, done: int) -> None:
        """For runs whose progress is not a record count (the pipeline's steps)."""
        self.done = done
        self.total = max(self.total, done)
        self._write()

    def _write(self) -> None:
        """Progress goes to the database at most every HQ_PROGRESS_WRITE_SECONDS: on SQLite
        each write takes the single write lock a POS request may be waiting for."""
        self.result.progress = (self.done, self.total)
        now = time.monotonic()
        due = (
            self._written_at is None or now - self._written_at >= settings.HQ_PROGRESS_WRITE_SECONDS
        )
        if self.job_run is not None and due:
            self._written_at = now
            if self.job_run.parent_id:  # the pipeline's run is alive while its steps are
                JobRun.objects.filter(pk=self.job_run.parent_id).update(heartbeat_at=timezone.now())
            JobRun.objects.filter(pk=self.job_run.pk).update(
                progress_done=self.done,
                progress_total=self.total,
                processed=self.result.processed,
                created=self.result.created,
                skipped=self.result.skipped,
                failed=self.result.failed,
                heartbeat_at=timezone.now(),
            )
        if self.progress is not None:
            self.progress(self.done, self.total)


def channels_by_database(channels: Iterable[Channel]) -> dict[str, list[Channel]]:
    """{channel database alias: its channels}, in the order given."""
    grouped: dict[str, list[Channel]] = {}
    for channel in channels:
        grouped.setdefault(channel.database_alias, []).append(channel)
    return grouped


def channels_resolve(codes: Iterable[str] | None) -> list[Channel]:
    """The channels a job works on: the given codes (all must exist) or every channel."""
    if not codes:
        return list(Channel.objects.select_related("profile", "channel_database").order_by("pk"))
    codes = list(dict.fromkeys(code.strip().upper() for code in codes))
    channels = list(
        Channel.objects.select_related("profile", "channel_database")
        .filter(code__in=codes)
        .order_by("pk")
    )
    missing = sorted(set(codes) - {c.code for c in channels})
    if missing:
        raise UnknownChannelError(missing)
    return channels


# {job kind: its service}. Each job module registers its own run function (job_service), and
# the app loads them all at start (hqcommerce.services.job_catalog): this runtime, which every
# job imports, imports none of them.
_SERVICES: dict[str, Callable[..., JobResult]] = {}


def job_service(kind: str) -> Callable[[Callable[..., JobResult]], Callable[..., JobResult]]:
    """Register the function that runs jobs of `kind`."""

    def register(service: Callable[..., JobResult]) -> Callable[..., JobResult]:
        _SERVICES[JobKind(kind)] = service
        return service

    return register


def _service_for(kind: str) -> Callable[..., JobResult]:
    try:
        return _SERVICES[JobKind(kind)]
    except KeyError:
        raise RuntimeError(f"No job service registered for {kind!r}.") from None


def job_run_create(
    *,
    kind: str,
    channels: Iterable[str] | None = None,
    dry_run: bool = False,
    options: dict | None = None,
    triggered_by: str,
    user=None,
    parent: JobRun | None = None,
    device: str = "",
) -> JobRun:
    codes = [c.code for c in channels_resolve(channels)] if channels else []
    return JobRun.objects.create(
        triggered_by_device=device,
        kind=JobKind(kind),
        channel_codes=codes,
        dry_run=dry_run,
        options=options or {},
        triggered_by=TriggeredBy(triggered_by),
        triggered_by_user=user if user is not None and user.is_authenticated else None,
        parent=parent,
    )


def job_enqueue(
    *,
    kind: str,
    channels: Iterable[str] | None = None,
    dry_run: bool = False,
    options: dict | None = None,
    triggered_by: str,
    user=None,
    device: str = "",
) -> JobRun:
    """Create a queued run and hand it to django-q2 with the creating transaction.

    With the ORM broker on our own database the queue row is written in the same transaction
    as the run: both commit or neither, and a POS request that queues a near-real-time run
    takes SQLite's write lock once, not three times. Any other broker (Redis) or inline
    (`sync`) execution is handed the task once the transaction commits.
    """
    with transaction.atomic():
        run = job_run_create(
            kind=kind,
            channels=channels,
            dry_run=dry_run,
            options=options,
            triggered_by=triggered_by,
            user=user,
            device=device,
        )
        if _broker_in_our_database():
            run.task_id = _enqueue_task(run.pk)
        else:
            transaction.on_commit(lambda: _enqueue_task(run.pk))
    return run


def job_enqueue_for_device(
    *, kind: str, channel_code: str, dry_run: bool, options: dict, device: str
) -> tuple[JobRun, bool]:
    """A register's request for a run of its own store: joins the same run while it waits in
    the queue instead of queueing another (returns it and False), so a register sending many
    requests queues at most one run per kind and store, and never delays the other stores'
    conversions behind its own."""
    with transaction.atomic():
        waiting = (
            JobRun.objects.select_for_update()
            .filter(
                kind=kind,
                channel_codes=[channel_code],
                dry_run=dry_run,
                options=options,
                triggered_by=TriggeredBy.API,
                status=JobStatus.QUEUED,
                parent__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if waiting is not None:
            return waiting, False
        run = job_enqueue(
            kind=kind,
            channels=[channel_code],
            dry_run=dry_run,
            options=options,
            triggered_by=TriggeredBy.API,
            device=device,
        )
    return run, True


def _broker_in_our_database() -> bool:
    from django_q.conf import Conf

    return not Conf.SYNC and transaction.get_connection().alias == Conf.ORM


def _enqueue_task(job_run_id: int) -> str:
    from django_q.tasks import async_task

    task_id = async_task("hqcommerce.tasks.run_job", job_run_id, task_name=f"job-run-{job_run_id}")
    JobRun.objects.filter(pk=job_run_id).update(task_id=task_id or "")
    return task_id or ""


def _finish(run: JobRun, *, status: str, result: JobResult | None, error: str = "") -> None:
    """Record the outcome and release the run's locks in one transaction: a worker killed
    in between would otherwise leave a finished run holding a lock nobody releases."""
    with transaction.atomic():
        _record_outcome(run, status=status, result=result, error=error)
        JobLock.objects.filter(job_run=run).delete()


def _record_outcome(run: JobRun, *, status: str, result: JobResult | None, error: str) -> None:
    fields = {"status": status, "finished_at": timezone.now(), "heartbeat_at": timezone.now()}
    if result is not None:
        fields.update(
            processed=result.processed,
            created=result.created,
            skipped=result.skipped,
            failed=result.failed,
        )
        if result.progress is not None:
            done, total = result.progress
            fields.update(progress_done=min(done, total), progress_total=total)
        lines = list(result.errors)
        more = result.failed - len(lines)
        if more > 0:
            lines.append(
                ngettext(
                    "... and %(count)d more failed record.",
                    "... and %(count)d more failed records.",
                    more,
                )
                % {"count": more}
            )
        for code, reason in result.unreachable.items():
            lines.insert(
                0,
                Message(
                    gettext_noop(
                        "Channel database %(code)s was unreachable (%(reason)s); it is caught "
                        "up by a later run."
                    ),
                    {"code": code, "reason": reason},
                ),
            )
        fields["unreachable"] = result.unreachable
        if result.removed:
            fields["removed"] = result.removed
        if not error:
            error = "\n".join(str(line) for line in lines)
            fields["error_detail"] = [message_json(line) for line in lines] or None
    fields["error_summary"] = error
    JobRun.objects.filter(pk=run.pk).update(**fields)


def job_runs_fail_stale() -> int:
    """Mark running jobs whose worker stopped (no heartbeat) failed, releasing their locks."""
    cutoff = timezone.now() - timedelta(seconds=settings.HQ_JOB_STALE_SECONDS)
    stale = list(
        JobRun.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).values_list(
            "pk", "heartbeat_at"
        )
    )
    for pk, heartbeat in stale:
        JobRun.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error_summary=(
                _(
                    "The worker running this job stopped (no heartbeat since %(heartbeat)s UTC). "
                    "Nothing it did is half-written; start the job again."
                )
                % {"heartbeat": f"{heartbeat:%Y-%m-%d %H:%M:%S}"}
            ),
        )
        JobLock.objects.filter(job_run_id=pk).delete()
    return len(stale)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    try:  # a killed process its parent has not reaped yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def job_runs_fail_dead() -> int:
    """Mark failed, at once, the running jobs held by a process of this host that no longer
    exists (SIGKILL, OOM, a deploy), releasing their locks: the next run need not wait
    HQ_JOB_STALE_SECONDS for their heartbeat to go stale. Runs held on other hosts are left
    to the heartbeat check."""
    host = socket.gethostname()
    holders = JobRun.objects.filter(
        status=JobStatus.RUNNING, worker_host=host, worker_pid__isnull=False
    ).values_list("pk", "worker_pid")
    dead = [pk for pk, pid in holders if not _process_alive(pid)]
    for pk in dead:
        JobRun.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error_summary=_(
                "The worker process running this job died (it was killed or crashed). Nothing "
                "it did is half-written; the next run goes on from its last committed batch."
            ),
        )
        JobLock.objects.filter(job_run_id=pk).delete()
    return len(dead)


class JobBusyError(HQError):
    pass


class HQUnreachableError(HQError):
    """HQ's own database did not answer: the job cannot even record itself."""


@contextmanager
def hq_reachable():
    """A job started while HQ's database is down fails at once with a message that says so
    (and the worker or command that started it goes on); what it committed before stays."""
    from django.db import InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        close_quietly(DEFAULT_DB_ALIAS)
        reason = error_line(exc)
        raise HQUnreachableError(
            _(
                "HQ's database is unreachable (%(reason)s); the job stopped where its last "
                "batch committed. The next schedule runs it again, or start it again when HQ "
                "is back."
            )
            % {"reason": reason}
        ) from exc


def _lock(run: JobRun) -> None:
    """Take this job's lock on each of its channels, waiting a while for a running twin."""
    codes = [c.code for c in channels_resolve(run.channel_codes or None)]
    deadline = time.monotonic() + settings.HQ_JOB_LOCK_WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                JobLock.objects.bulk_create(
                    [JobLock(kind=run.kind, channel_code=code, job_run=run) for code in codes]
                )
            return
        except IntegrityError:
            job_runs_fail_dead()
            job_runs_fail_stale()
            # A lock whose run is no longer running belongs to nobody (defence in depth).
            JobLock.objects.exclude(job_run__status=JobStatus.RUNNING).delete()
            if time.monotonic() >= deadline:
                holder = (
                    JobLock.objects.filter(kind=run.kind, channel_code__in=codes)
                    .select_related("job_run")
                    .first()
                )
                if holder is None:
                    message = _(
                        "%(kind)s is already running; this run did nothing. "
                        "Start it again when that run has finished."
                    )
                else:
                    message = _(
                        "%(kind)s is already running for %(channel)s (job run #%(id)s); this "
                        "run did nothing. Start it again when that run has finished."
                    )
                raise JobBusyError(
                    message
                    % {
                        "kind": run.get_kind_display(),
                        "channel": holder.channel_code if holder else "",
                        "id": holder.job_run_id if holder else "",
                    }
                ) from None
            time.sleep(0.2)


def job_run_execute(job_run_id: int, *, progress: ProgressCallback | None = None) -> JobRun:
    """Run a queued job run to the end. A run that is not queued any more is left alone."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=job_run_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        # Who holds it: a run whose process has died is released at once (job_runs_fail_dead).
        worker_host=socket.gethostname(),
        worker_pid=os.getpid(),
    )
    run = JobRun.objects.get(pk=job_run_id)
    if not claimed:
        logger.info("job run %s is %s already; not running it again", run.pk, run.status)
        return run
    service = _service_for(run.kind)
    with _fair_writes(run):
        return _execute(run, service, progress)


# Records per transaction for the run in progress in this thread, when it is not
# HQ_JOB_BATCH_SIZE (see _fair_writes).
_batch_size: ContextVar[int | None] = ContextVar("job_batch_size", default=None)


def job_batch_size() -> int:
    """Records per transaction for the job running now."""
    return _batch_size.get() or settings.HQ_JOB_BATCH_SIZE


@contextmanager
def _fair_writes(run: JobRun):
    """On SQLite, a near-real-time run writes in small transactions (HQ_AUTO_BATCH_SIZE
    records) and pauses after each commit to a channel database (channels_app/db/sqlite3), so
    a POS request never waits long for that database's single write lock. HQ's database
    needs no pause: the POS never writes it.

    Only auto runs (and their steps, which run inside them), which exist because POS
    requests are writing right now, and purges, which delete from the tables the POS
    writes while it writes. Other scheduled and manual runs keep their full throughput.
    """
    from channels_app.databases import channel_database_aliases

    shared = [
        connections[alias]
        for alias in channel_database_aliases().values()
        if hasattr(connections[alias], "yield_after_commit")
    ]
    if not (run.triggered_by == TriggeredBy.AUTO or run.kind == JobKind.PURGE) or not shared:
        yield
        return
    previous = [conn.yield_after_commit for conn in shared]
    for conn in shared:
        conn.yield_after_commit = settings.HQ_SQLITE_JOB_YIELD_MS / 1000
    token = _batch_size.set(min(settings.HQ_AUTO_BATCH_SIZE, settings.HQ_JOB_BATCH_SIZE))
    try:
        yield
    finally:
        for conn, before in zip(shared, previous, strict=True):
            conn.yield_after_commit = before
        _batch_size.reset(token)


def _execute(run: JobRun, service, progress: ProgressCallback | None) -> JobRun:
    try:
        _lock(run)
    except HQError as exc:
        _finish(run, status=JobStatus.FAILED, result=None, error=str(exc))
        run.refresh_from_db()
        return run
    try:
        result = service(
            channels=run.channel_codes or None,
            dry_run=run.dry_run,
            job_run=run,
            progress=progress,
            **run.options,
        )
    except HQError as exc:
        _finish(run, status=JobStatus.FAILED, result=None, error=str(exc) or repr(exc))
    except Exception as exc:
        logger.exception("job run %s failed", run.pk)
        _finish(
            run,
            status=JobStatus.FAILED,
            result=None,
            error=_("Unexpected error: %(type)s: %(exc)s")
            % {"type": exc.__class__.__name__, "exc": exc},
        )
    else:
        failed = result.failed or result.unreachable
        status = JobStatus.PARTIALLY_FAILED if failed else JobStatus.SUCCEEDED
        _finish(run, status=status, result=result)
    run.refresh_from_db()
    return run
