import json

import pytest
from django.core.management import CommandError, call_command

from channels_app.models import AsyncCustomer
from hqcommerce.models import (
    AsyncStagingRecord,
    Customer,
    JobRun,
    Prospect,
    SalesOrder,
    Statement,
    UploadedTransaction,
)
from hqcommerce.models.jobs import JobStatus


def _run(*args):
    """Call a command; return (exit code, stdout)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_job_command_exits_0_when_every_record_succeeded(channel, make_async_customer):
    make_async_customer(channel)

    code, out = _run("run_pjob", "--channel", channel.code)

    assert code == 0
    assert "processed 1, created 1" in out
    assert AsyncStagingRecord.objects.count() == 1


def test_job_command_exits_1_when_some_record_failed(channel, make_async_customer):
    make_async_customer(channel, contacts=[{"kind": "email", "value": "bad"}])
    make_async_customer(channel)
    _run("run_pjob")

    code, out = _run("sync_async_customers")

    assert code == 1
    assert "failed 1" in out


def test_job_command_exits_2_on_an_unknown_channel(db):
    with pytest.raises(CommandError, match="Unknown channel code") as excinfo:
        call_command("run_1010", "--channel", "NOPE")
    assert excinfo.value.returncode == 2


def test_queue_prints_the_job_run_id_and_the_worker_runs_it(
    channel, make_async_customer, django_capture_on_commit_callbacks
):
    make_async_customer(channel)

    with django_capture_on_commit_callbacks(execute=True):
        code, out = _run("convert_async_customers", "--queue")

    run = JobRun.objects.get(pk=int(out.strip()))
    assert code == 0
    assert run.status == JobStatus.SUCCEEDED
    assert Customer.objects.count() == 1


def test_retry_failed_flag_reaches_the_sync_job(channel, make_async_customer):
    make_async_customer(channel, contacts=[{"kind": "email", "value": "bad"}])
    _run("run_pjob")
    _run("sync_async_customers")
    AsyncStagingRecord.objects.update(
        payload={"first_name": "Fixed", "contacts": [{"kind": "email", "value": "ok@example.com"}]}
    )

    assert _run("sync_async_customers")[0] == 0  # failed records are left alone
    code, out = _run("sync_async_customers", "--retry-failed")

    assert code == 0
    assert Customer.objects.get().first_name == "Fixed"


def test_dry_run_command_writes_nothing(channel, make_async_customer):
    make_async_customer(channel)

    code, out = _run("convert_async_customers", "--dry-run")

    assert code == 0
    assert out.startswith("[dry run]")
    assert not AsyncStagingRecord.objects.exists()


def test_seed_demo_then_convert_leaves_only_the_invalid_ones_failed(db):
    code, out = _run("seed_demo", "--channels", "3", "--async-customers", "45", "--seed", "7")
    assert code == 0
    assert "4 business partner request(s)" in out
    _, out = _run("sync_status", "--json")
    assert sum(r["partner_requests_pending"] for r in json.loads(out)) == 4

    code, _ = _run("convert_async_customers")
    assert code == 1  # the seeded invalid customers fail, by design

    _, out = _run("sync_status", "--json")
    rows = json.loads(out)
    assert [r["channel"] for r in rows] == ["STORE01", "STORE02", "STORE03"]
    failed = sum(r["failed"] for r in rows)
    assert failed == AsyncStagingRecord.objects.filter(status="failed").count() > 0
    waiting = ("pending_upload", "pending_sync", "awaiting_distribution")
    assert sum(r[key] for r in rows for key in waiting) == 0
    assert sum(r["completed"] for r in rows) == 45 - failed
    assert AsyncCustomer.objects.filter(account_number="").count() == failed
    # The seeded partner requests are prospects awaiting approval; the repeated one is flagged.
    assert sum(r["partner_requests_pending"] for r in rows) == 0
    assert sum(r["prospects_awaiting_approval"] for r in rows) == 4
    assert Prospect.objects.exclude(possible_duplicate="").count() == 1


def test_demo_day_leaves_only_sales_of_invalid_customers_open_with_reasons(db):
    _run("seed_demo", "--channels", "2", "--async-customers", "60", "--seed", "3")
    _run("convert_async_customers")
    _run("sync_orders")
    _run("post_statements")

    invalid = set(
        AsyncStagingRecord.objects.filter(status="failed").values_list("async_id", flat=True)
    )
    assert invalid
    pending = UploadedTransaction.objects.filter(kind="customer_order", status="pending")
    assert pending.exists()
    for order in pending:
        assert order.customer_async_id in invalid
        assert "failed validation" in order.last_error
    blocked = Statement.objects.filter(status="blocked")
    for statement in blocked:
        assert {b["record"] for b in statement.blocking} <= {str(i) for i in invalid}
    assert SalesOrder.objects.filter(statement__isnull=True).count() == (
        UploadedTransaction.objects.filter(kind="customer_order", status="completed").count()
    )
    code, out = _run("sync_status", "--json")
    rows = json.loads(out)
    assert sum(r["orders_pending"] for r in rows) == pending.count()
    assert sum(r["statements_blocked"] for r in rows) == blocked.count()


def test_seed_demo_if_empty_does_nothing_on_a_seeded_database(channel):
    code, out = _run("seed_demo", "--if-empty")
    assert code == 0
    assert "not seeded" in out
    assert not AsyncCustomer.objects.exists()


def test_seed_demo_refuses_bad_arguments(db):
    with pytest.raises(CommandError) as excinfo:
        call_command("seed_demo", "--channels", "0")
    assert excinfo.value.returncode == 2


def test_sync_status_prints_a_table_per_channel(channel, make_async_customer):
    make_async_customer(channel)

    code, out = _run("sync_status")

    header, row = out.strip().splitlines()
    assert header.split() == [
        "channel",
        "pending_upload",
        "pending_sync",
        "failed",
        "awaiting_distribution",
        "completed",
        "orders_pending",
        "statements_blocked",
        "partner_requests_pending",
        "prospects_awaiting_approval",
    ]
    assert row.split() == [channel.code, "1", "0", "0", "0", "0", "0", "0", "0", "0"]


def test_post_statements_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD") as excinfo:
        call_command("post_statements", "--date", "31-12-2026")
    assert excinfo.value.returncode == 2


def test_install_schedules_and_demo_admin_commands(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert _run("install_schedules")[0] == 0
    _, first = _run("ensure_demo_admin")
    _, second = _run("ensure_demo_admin")
    assert first == second
    assert first.startswith("Admin login: admin / ")


def test_purge_history_dry_run_lists_what_it_would_remove_and_removes_nothing(
    channel, make_async_customer, settings
):
    from hqcommerce.services.pipeline import convert_run

    make_async_customer(channel)
    convert_run()
    settings.HQ_RETENTION_DAYS = 0

    code, out = _run("purge_history", "--dry-run", "--channel", channel.code)

    assert code == 0
    assert "[dry run]" in out
    assert "would remove 1 async customers" in out
    assert "would remove 1 customer synchronization status" in out
    assert AsyncCustomer.objects.count() == AsyncStagingRecord.objects.count() == 1
    code, out = _run("purge_history")
    assert code == 0
    assert "removed 1 async customers" in out
    assert not AsyncCustomer.objects.exists()
