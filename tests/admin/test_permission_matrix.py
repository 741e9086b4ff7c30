"""Who may do what in the admin, for every registered model and every action on its list.

Generated from the admin registry, so a new admin or action is checked the day it is
registered: every action names the permission it needs (an action without one is open to
anyone who may view the list, as django-q2's "resubmit" was), read-only staff see lists and
pages and can start nothing, staff without permissions see nothing, operators start only
what "Can run sync jobs" (and their other permissions) allow.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import RequestFactory
from django.urls import reverse

from hqcommerce.services.access import APPS as BACK_OFFICE_APPS
from hqcommerce.services.access import OPERATORS_GROUP, READ_ONLY_GROUP

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _admin in REGISTRY]
# What an operator may start from a list, by the permission it needs: run jobs, correct
# failed records, decide on prospects, unlock a locked-out login.
OPERATOR_ACTION_PERMISSIONS = {"run_sync_jobs", "change", "approve_partners", "delete"}


def _user(username: str, group: str | None = None, **flags) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def _request(user: User):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=IDS)
def test_every_action_names_the_permission_it_needs(db, model, model_admin):
    root = _user("root", is_superuser=True)  # sees every action there is
    for name, (func, _name, _description) in model_admin.get_actions(_request(root)).items():
        permissions = getattr(func, "allowed_permissions", None)
        assert permissions, f"{model._meta.label}: action {name!r} names no permission"


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=IDS)
def test_read_only_staff_see_each_list_and_start_nothing(db, client, model, model_admin):
    """Every list of the back office's apps; accounts and their tokens are the
    superuser's alone."""
    viewer = _user("viewer", READ_ONLY_GROUP)
    assert model_admin.get_actions(_request(viewer)) == {}
    assert not model_admin.has_add_permission(_request(viewer))
    client.force_login(viewer)
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(changelist, follow=True)
    expected = 200 if model._meta.app_label in BACK_OFFICE_APPS else 403
    assert response.status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=IDS)
def test_staff_without_permissions_see_no_list(db, client, model, model_admin):
    client.force_login(_user("nobody"))
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(changelist, follow=True).status_code == 403


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=IDS)
def test_operators_start_only_what_their_permissions_allow(db, model, model_admin):
    operator = _user("operator", OPERATORS_GROUP)
    for name, (func, _name, _description) in model_admin.get_actions(_request(operator)).items():
        needed = set(getattr(func, "allowed_permissions", ()))
        assert needed, (model._meta.label, name)
        assert needed <= OPERATOR_ACTION_PERMISSIONS, (model._meta.label, name, needed)
        if "delete" in needed:  # only django-axes' lockouts, to unlock a login
            assert model._meta.app_label == "axes", (model._meta.label, name)


def test_the_dashboard_and_its_buttons_need_their_permissions(db, client):
    client.force_login(_user("nobody"))
    assert client.get("/admin/dashboard/").status_code == 403
    assert "dashboard-link" not in client.get("/admin/").content.decode()
    client.force_login(_user("viewer", READ_ONLY_GROUP))
    assert client.get("/admin/dashboard/").status_code == 200
    response = client.post("/admin/dashboard/run/", {"kind": "pjob"})
    assert response.status_code in (302, 403)
    from hqcommerce.models import JobRun

    assert not JobRun.objects.exists()


def test_rerunning_a_django_q2_task_needs_run_jobs_and_records_who_asked(db, client):
    from django.utils import timezone
    from django_q.models import Success

    from hqcommerce.models import JobRun

    task = Success.objects.create(
        id="a" * 32,
        name="scheduled pjob",
        func="hqcommerce.tasks.run_scheduled_job",
        args=("pjob",),
        started=timezone.now(),
        stopped=timezone.now(),
        success=True,
    )
    url = reverse("admin:django_q_success_changelist")
    picked = {"action": "run_again", "_selected_action": [task.pk]}

    client.force_login(_user("viewer", READ_ONLY_GROUP))
    client.post(url, {**picked, "confirmed": "yes"})
    assert not JobRun.objects.exists()

    operator = _user("operator", OPERATORS_GROUP)
    client.force_login(operator)
    assert "Run jobs again" in client.post(url, picked).content.decode()  # asks first
    assert not JobRun.objects.exists()
    client.post(url, {**picked, "confirmed": "yes"})
    run = JobRun.objects.get()
    assert (run.kind, run.triggered_by, run.triggered_by_user) == ("pjob", "user", operator)


def test_read_only_staff_press_no_button_on_a_record(db, client, channel, make_async_customer):
    """The buttons on a page: a failed record's Save and synchronize, a prospect's page."""
    from hqcommerce.models import AsyncStagingRecord, JobRun
    from hqcommerce.services.upload import pjob_run

    make_async_customer(channel)
    pjob_run()
    record = AsyncStagingRecord.objects.get()
    client.force_login(_user("viewer", READ_ONLY_GROUP))
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"_synchronize": "1"}).status_code == 403
    assert not JobRun.objects.filter(kind="customer_sync").exists()
