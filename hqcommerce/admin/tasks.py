"""django-q2's task pages, with their one action that starts work guarded as ours are.

django-q2's "Resubmit selected tasks to queue" runs a task's function again for anyone who
may view the page, and records nothing of who asked: a read-only user could post statements
or purge history again. Here the action needs "Can run sync jobs", asks first, and queues a
new job run of the task's job, triggered by the user who asked; a task that is not one of
our jobs is not run again.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_q.admin import FailAdmin, TaskAdmin
from django_q.models import Failure, Success

from hqcommerce.admin_confirm import action_confirmation, confirmed
from hqcommerce.models import JobRun
from hqcommerce.models.jobs import JobKind, TriggeredBy
from hqcommerce.services.access import can_run_jobs
from hqcommerce.services.jobs import job_enqueue

from .base import admin_replaced


def _job_of(task) -> dict | None:
    """The job run a django-q2 task ran, as what to queue again; None if it is not ours."""
    args = list(task.args or ())
    if task.func == "hqcommerce.tasks.run_scheduled_job" and args:
        return {"kind": JobKind(args[0]), "channels": None, "dry_run": False, "options": {}}
    if task.func == "hqcommerce.tasks.run_job" and args:
        run = JobRun.objects.filter(pk=args[0]).first()
        if run is not None:
            return {
                "kind": JobKind(run.kind),
                "channels": run.channel_codes or None,
                "dry_run": run.dry_run,
                "options": run.options,
            }
    return None


class JobTaskActions:
    actions = ["run_again"]

    def has_run_sync_jobs_permission(self, request) -> bool:
        return can_run_jobs(request)

    @admin.action(
        description=_("Run the selected tasks' jobs again"), permissions=["run_sync_jobs"]
    )
    def run_again(self, request, queryset):
        jobs = [(task, _job_of(task)) for task in queryset]
        ours = [(task, job) for task, job in jobs if job is not None]
        if not confirmed(request):
            return action_confirmation(
                self,
                request,
                "run_again",
                title=gettext("Run jobs again"),
                question=gettext(
                    "Queue these jobs again, as new runs in your name? Statement posting and "
                    "purging cannot be taken back."
                ),
                items=[
                    (f"{task.name} – {JobKind(job['kind']).label}", task.pk) for task, job in ours
                ],
                confirm_label=gettext("Yes, run them again"),
            )
        for _task, job in ours:
            job_enqueue(**job, triggered_by=TriggeredBy.USER, user=request.user)
        self.message_user(
            request,
            ngettext("Queued %(count)d job run.", "Queued %(count)d job runs.", len(ours))
            % {"count": len(ours)},
            messages.SUCCESS,
        )
        skipped = len(jobs) - len(ours)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d task is not a job of this product and was not run again.",
                    "%(count)d tasks are not jobs of this product and were not run again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class SuccessfulTaskAdmin(JobTaskActions, TaskAdmin):
    pass


class FailedTaskAdmin(JobTaskActions, FailAdmin):
    pass


admin_replaced(Success, SuccessfulTaskAdmin)
admin_replaced(Failure, FailedTaskAdmin)


# django-axes' "Clean up expired attempts" deletes rows, yet asks for no permission: the
# same action, asking for the delete permission (operators have it, to unlock a login).
def _guard_axes_cleanup() -> None:
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt

    class GuardedAccessAttemptAdmin(AccessAttemptAdmin):
        @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
        def cleanup_expired_attempts(self, request, queryset):
            return super().cleanup_expired_attempts(request, queryset)

    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
        admin.site.register(AccessAttempt, GuardedAccessAttemptAdmin)


_guard_axes_cleanup()
