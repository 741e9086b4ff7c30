from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_no_plain_index_is_a_prefix_of_another_index_on_the_same_table():
    """Every index costs each insert and each non-HOT update of the jobs' hundreds of thousands
    of rows; one that another index's leading columns already give is pure cost."""
    from django.apps import apps
    from django.db import connection

    redundant = []
    with connection.cursor() as cursor:
        for app in ("hqcommerce", "channels_app"):
            for model in apps.get_app_config(app).get_models():
                table = model._meta.db_table
                # A partial index covers only some rows: it leads nothing.
                partial = {
                    c.name
                    for c in [*model._meta.constraints, *model._meta.indexes]
                    if getattr(c, "condition", None) is not None
                }
                indexes = [
                    (name, tuple(c["columns"]), c["unique"])
                    for name, c in connection.introspection.get_constraints(cursor, table).items()
                    if c["index"] and c["columns"] and not c["primary_key"]
                ]
                for name, columns, unique in indexes:
                    for other, other_columns, _ in indexes:
                        if (
                            other != name
                            and other not in partial
                            and not unique
                            and other_columns[: len(columns)] == columns
                            and len(other_columns) > len(columns)
                        ):
                            redundant.append(f"{table}.{name} {columns} led by {other}")
    assert redundant == []


def test_default_database_is_sqlite_in_wal_mode_with_busy_timeout(monkeypatch):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "channels_app.db.sqlite3":
        pytest.skip("DATABASE_URL selects another database")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] >= 5
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_django_q_uses_the_orm_broker_with_timeout_below_retry():
    q = settings.Q_CLUSTER
    assert q["orm"] == "default"
    assert q["timeout"] < q["retry"]
    assert 1 <= q["max_attempts"] <= 3


def test_settings_refuse_to_start_without_a_secret_key_when_not_debug():
    import subprocess
    import sys

    env = {"DJANGO_DEBUG": "0", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", "import hqcommerce.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert proc.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in proc.stderr


def test_the_admin_follows_the_browsers_language(client):
    spanish = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="es")
    english = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Nombre de usuario" in spanish.content.decode()
    assert "Username" in english.content.decode()


def test_the_api_answers_framework_errors_in_the_requested_language(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/sync-status/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 401
    assert "credenciales" in response.json()["errors"][0]["detail"].lower()


def test_on_sqlite_an_auto_run_pauses_after_each_channel_commit_and_other_writers_do_not(
    transactional_db, settings, monkeypatch, make_async_customer
):
    """Fair turns at a channel database's single SQLite write lock: POS writes waiting while a
    near-real-time conversion writes that database get in between its commits; POS writes,
    HQ's own commits and bulk runs never pause."""
    from django.db import connections, transaction

    from hqcommerce.models import JobRun
    from hqcommerce.services import jobs
    from tests.factories import ChannelFactory

    store = ChannelFactory()
    channel_db = connections[store.database_alias]
    if channel_db.vendor != "sqlite":
        pytest.skip("PostgreSQL has row locks; nothing to yield")
    pauses = []
    monkeypatch.setattr("channels_app.db.sqlite3.base.time.sleep", pauses.append)
    settings.HQ_SQLITE_JOB_YIELD_MS = 20

    make_async_customer(store)  # a POS write
    with transaction.atomic():  # a back-office request's transaction
        JobRun.objects.create(kind="pjob", triggered_by="user")
    for kind in ("pjob", "customer_sync"):
        jobs.job_run_execute(jobs.job_run_create(kind=kind, triggered_by="command").pk)
    assert pauses == []

    auto = jobs.job_run_create(kind="distribution", triggered_by="auto")
    jobs.job_run_execute(auto.pk)  # writes the store's channel database
    assert pauses and set(pauses) == {0.02}
    assert channel_db.yield_after_commit == 0.0  # back to normal after the run
    assert connections["default"].yield_after_commit == 0.0


def test_the_readme_leads_with_what_it_is_and_the_two_commands():
    """A newcomer reads what the product is and how to run and test it before any table;
    the reference tables live in docs/, and every docs/ page the README links exists."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    head = "\n".join(readme.splitlines()[:40])
    assert "asynchronous customer mode" in head
    assert "make run" in head and "make test" in head
    assert "|---|" not in readme.split("## Try the seed's procedure")[0]
    for link in re.findall(r"\]\((docs/[^)#]+)\)", readme):
        assert (root / link).exists(), link
