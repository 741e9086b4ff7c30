"""The shared shape of the job commands: inline with a progress bar, or --queue."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from channels_app.errors import HQError
from hqcommerce.management.base import ProjectCommand
from hqcommerce.models.jobs import JobStatus, TriggeredBy
from hqcommerce.services.jobs import (
    HQUnreachableError,
    hq_reachable,
    job_enqueue,
    job_run_create,
    job_run_execute,
)

EXIT_OK, EXIT_SOME_FAILED, EXIT_BAD_ARGS = 0, 1, 2


class JobCommand(ProjectCommand):
    """Exit 0 when every record succeeded, 1 when some failed, 2 on bad arguments."""

    kind: str

    def add_arguments(self, parser):
        parser.add_argument(
            "--channel",
            action="append",
            dest="channels",
            metavar="CODE",
            help=_("Only this channel (repeatable). Default: every channel."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Report what would happen; write nothing.")
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help=_("Enqueue for a django-q2 worker and print the job-run id instead of running."),
        )

    def job_options(self, options) -> dict:
        return {}

    def handle(self, *args, **options):
        try:
            with hq_reachable():
                self._handle(options)
        except HQUnreachableError as exc:
            raise CommandError(str(exc), returncode=EXIT_SOME_FAILED) from exc

    def _handle(self, options) -> None:
        try:
            if options["queue"]:
                run = job_enqueue(
                    kind=self.kind,
                    channels=options["channels"],
                    dry_run=options["dry_run"],
                    options=self.job_options(options),
                    triggered_by=TriggeredBy.COMMAND,
                )
                self.stdout.write(str(run.pk))
                return
            run = job_run_create(
                kind=self.kind,
                channels=options["channels"],
                dry_run=options["dry_run"],
                options=self.job_options(options),
                triggered_by=TriggeredBy.COMMAND,
            )
        except HQError as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_ARGS) from exc

        bar = None
        if self.stdout.isatty() and options["verbosity"] > 0:
            bar = tqdm(total=0, unit="rec", file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                if done < bar.n:
                    bar.reset()
                bar.total = total
                bar.n = done
                bar.refresh()

        try:
            run = job_run_execute(run.pk, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        summary = _(
            "%(kind)s: %(status)s (job run #%(id)s) - processed %(processed)d, "
            "created %(created)d, skipped %(skipped)d, failed %(failed)d"
        ) % {
            "kind": run.get_kind_display(),
            "status": run.get_status_display().lower(),
            "id": run.pk,
            "processed": run.processed,
            "created": run.created,
            "skipped": run.skipped,
            "failed": run.failed,
        }
        if run.dry_run:
            summary = _("[dry run] %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
        if run.removed:
            from hqcommerce.services.purge import removed_lines

            verb = _("would remove") if run.dry_run else _("removed")
            for name, count in removed_lines(run.removed):
                self.stdout.write(f"  {verb} {count} {name}")
        if run.error_summary and options["verbosity"] > 0:
            self.stderr.write(run.error_summary)
        if run.status != JobStatus.SUCCEEDED:
            sys.exit(EXIT_SOME_FAILED)
