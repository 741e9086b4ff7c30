"""Who may call what, for every endpoint and method the URL conf mounts under /api/.

The list of (endpoint, method) is read from the URL conf, so a new endpoint is in the matrix
the day it is mounted, and fails it until its view names who may call it. Roles: a device key,
read-only staff, an operator, staff without permissions, a superuser, anonymous. "Allowed"
means neither 401 nor 403 (an empty body may well be a 400); the intent is written here, not
derived from the views' own rules.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from channels_app.api.permissions import staff_permissions_for
from hqcommerce.services.access import OPERATORS_GROUP, READ_ONLY_GROUP
from tests.clients import device_client

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
# The writes an operator ("Sync operators": runs jobs, corrects records) may make over the API,
# as in the admin: queue a job, issue a loyalty card. Every other write needs add permission.
OPERATOR_WRITES = {("api:job-create", "POST"), ("api:customer-loyalty-cards", "POST")}
# What any staff user may call: a liveness check.
OPEN_TO_STAFF = {("api:health", "GET")}
SAMPLE_KWARGS = {
    "ref": "C0000001",
    "address_id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
    "pk": 1,
}


def _endpoints() -> list[tuple[str, str, type[APIView], str]]:
    """(name, path, view class, method) for every API view the URL conf mounts."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "cls", None)
                route = prefix + str(p.pattern)
                if view is None or not route.startswith("api/") or p.name == "not-found":
                    continue
                if route.startswith(("api/rts/", "api/schema", "api/docs")):
                    continue  # the service key's; the public schema and its viewer (below)
                path = "/" + route
                for key, value in SAMPLE_KWARGS.items():
                    for converter in ("str", "uuid", "int"):
                        path = path.replace(f"<{converter}:{key}>", str(value))
                for method in METHODS:
                    if hasattr(view, method.lower()):
                        found.append((f"{namespace}{p.name}", path, view, method))

    walk(get_resolver().url_patterns, "", "")
    return found


ENDPOINTS = _endpoints()
IDS = [f"{method} {path}" for _name, path, _view, method in ENDPOINTS]


def test_the_matrix_covers_every_api_endpoint():
    names = {name for name, *_ in ENDPOINTS}
    assert {"api:customer-list", "api:job-create", "api:customer-address-detail"} <= names
    assert len(ENDPOINTS) >= 16


@pytest.mark.parametrize(("name", "path", "view", "method"), ENDPOINTS, ids=IDS)
def test_every_endpoint_names_who_may_call_it(name, path, view, method):
    assert staff_permissions_for(view, method) is not None, (
        f"{view.__name__}.{method}: no staff_permissions rule; say who may call it"
    )


def _staff(username: str, group: str | None = None, **flags) -> APIClient:
    user = User.objects.create_user(username, password="pw", is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = APIClient()
    client.force_authenticate(user)
    return client


def _call(client: APIClient, method: str, path: str, channel) -> int:
    query = f"?channel={channel.code}" if "?" not in path else ""
    response = getattr(client, method.lower())(path + query, {}, format="json")
    return response.status_code


@pytest.mark.parametrize(("name", "path", "view", "method"), ENDPOINTS, ids=IDS)
def test_each_role_may_call_exactly_what_it_is_allowed(channel, name, path, view, method):
    roles = {
        "anonymous": (APIClient(), False),
        "staff without permissions": (_staff("nobody"), (name, method) in OPEN_TO_STAFF),
        "read-only staff": (
            _staff("viewer", READ_ONLY_GROUP),
            method == "GET",
        ),
        "operator": (
            _staff("operator", OPERATORS_GROUP),
            method == "GET" or (name, method) in OPERATOR_WRITES,
        ),
        "superuser": (_staff("root", is_superuser=True), True),
        "device": (device_client(channel), True),
    }
    for role, (client, allowed) in roles.items():
        status = _call(client, method, path, channel)
        if allowed:
            assert status not in (401, 403), f"{role} refused {method} {path}: {status}"
        else:
            assert status in (401, 403), f"{role} allowed {method} {path}: {status}"


def test_a_register_starts_only_what_cannot_harm_and_only_for_its_store(channel):
    client = device_client(channel)
    for kind in ("post-statements", "purge-history", "1010", "1070"):
        response = client.post("/api/v1/jobs/", {"kind": kind}, format="json")
        assert response.status_code == 403, kind
    response = client.post("/api/v1/jobs/", {"kind": "convert"}, format="json")
    assert response.status_code == 202
    assert response.json()["channels"] == [channel.code]


def test_the_schema_and_its_viewer_are_public_and_hold_no_data(client):
    """Decided: the API's description is no secret (the POS vendors build on it); it names
    no store, customer or key."""
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_a_register_flooding_job_requests_queues_one_run_and_never_holds_up_another_store(
    channel, monkeypatch, django_capture_on_commit_callbacks
):
    from hqcommerce.models import JobRun
    from hqcommerce.services import jobs as jobs_runtime
    from tests.factories import ChannelFactory

    queued: list[int] = []
    monkeypatch.setattr(jobs_runtime, "_enqueue_task", queued.append)  # a worker not yet free
    flooding, other = device_client(channel), device_client(ChannelFactory(), name="POS-9")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            flooding.post("/api/v1/jobs/", {"kind": "convert"}, format="json") for _ in range(50)
        ]
        theirs = other.post("/api/v1/jobs/", {"kind": "convert"}, format="json")

    assert {a.status_code for a in answers} == {202} and theirs.status_code == 202
    assert len({a.json()["id"] for a in answers}) == 1  # one run, joined 49 times
    assert len(queued) == 2  # the other store's conversion is second in line, not 51st
    run = JobRun.objects.get(pk=answers[0].json()["id"])
    assert run.triggered_by_device.startswith(f"{channel.code} / POS-1 (")
    assert run.triggered_by_user is None
