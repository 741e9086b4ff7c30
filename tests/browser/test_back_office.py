"""The seed's procedure in a real browser: Debian's Chromium driven by Playwright.

Playwright must not download a browser: it drives /usr/bin/chromium, which the Makefile
installs with apt when missing. django-q2 runs in sync mode, so a queued job finishes
inside the request that queued it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from hqcommerce.models import AsyncStagingRecord, Channel, JobRun
from hqcommerce.services.demo import demo_seed
from tests.factories import async_customer_stored

from .conftest import CHROMIUM

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") or os.environ.get("HQ_REQUIRE_BROWSER"):
        raise RuntimeError(
            f"{CHROMIUM} is missing; `make test` installs it (apt-get install chromium)"
        )
    pytestmark.append(pytest.mark.skip(reason=f"{CHROMIUM} not installed (make test installs it)"))


def _new_page(browser, locale: str = "en-US"):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def browser_page(chromium):
    return _new_page(chromium)


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_staff_convert_a_channel_watch_the_job_and_fix_a_failed_record(live_server, browser_page):
    page = browser_page
    User.objects.create_superuser("boss", "boss@example.com", "s3cret-pass")
    demo_seed(channels=2, async_customers=16, seed=5)
    store = Channel.objects.get(code="STORE01")
    broken = async_customer_stored(
        store,
        {
            "first_name": "Rosa",
            "last_name": "Díaz",
            "contacts": [{"kind": "email", "value": "rosa@"}],
        },
    )

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "s3cret-pass")
    page.click("input[type=submit]")
    page.click("#dashboard-link a")
    assert page.locator("#backlog tr[data-channel=STORE01]").is_visible()

    page.click("tr[data-channel=STORE01] button[name=run-convert]")
    page.wait_for_url("**/admin/hqcommerce/jobrun/*/change/")
    page.wait_for_selector(".field-status >> text=Partially failed")
    assert "Processed:" in page.locator("fieldset").first.inner_text()
    _shot(page, "job-run.png")

    page.goto(
        f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/?channel__id__exact={store.pk}&status__exact=completed&operation__exact=create"
    )
    # Each row's customer cell shows the name; its hover text starts with the account.
    accounts = page.locator(".field-who span[title]").evaluate_all(
        "cells => cells.map(cell => cell.title)"
    )
    assert accounts and all(a.startswith("C") for a in accounts), accounts

    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/?q={broken}")
    page.click("th.field-channel a, td.field-channel a, #result_list tbody tr a")
    page.wait_for_selector("#id_contacts-0-value")
    assert page.input_value("#id_contacts-0-value") == "rosa@"
    page.fill("#id_contacts-0-value", "rosa.diaz@example.com")
    page.click("input[name=_synchronize]")
    page.wait_for_selector("#sync-outcome.completed")
    record = AsyncStagingRecord.objects.get(async_id=broken)
    assert record.status == "completed", record.last_error
    assert "Completed" in page.locator("div.fieldBox.field-status").inner_text()
    assert record.account_number in page.inner_text("#sync-outcome")

    page.goto(f"{live_server.url}/admin/dashboard/")
    dashboard = _shot(page, "dashboard.png")
    job_run = SCREENSHOTS / "job-run.png"
    if os.environ.get("HQ_UPDATE_DOC_IMAGES"):
        docs = Path(settings.BASE_DIR) / "docs" / "img"
        shutil.copy(dashboard, docs / "dashboard.png")
        shutil.copy(job_run, docs / "job-run.png")
    assert dashboard.stat().st_size > 10_000


def test_job_run_page_follows_a_running_job_until_it_finishes(live_server, browser_page):
    from django.utils import timezone

    from hqcommerce.models import JobRun

    page = browser_page
    User.objects.create_superuser("boss", "boss@example.com", "s3cret-pass")
    run = JobRun.objects.create(
        kind="pjob",
        status="running",
        triggered_by="schedule",
        progress_total=10,
        progress_done=2,
        started_at=timezone.now(),
    )
    page.goto(f"{live_server.url}/admin/login/?next=/admin/hqcommerce/jobrun/{run.pk}/change/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "s3cret-pass")
    page.click("input[type=submit]")
    page.wait_for_selector("#job-live")

    JobRun.objects.filter(pk=run.pk).update(progress_done=7)
    page.wait_for_selector("#job-live >> text=7/10")
    JobRun.objects.filter(pk=run.pk).update(
        status="succeeded", progress_done=10, finished_at=timezone.now()
    )

    page.wait_for_selector("div.fieldBox.field-status >> text=Succeeded")


def test_a_spanish_browser_gets_the_back_office_dashboard_and_job_runs_in_spanish(
    live_server, chromium
):
    page = _new_page(chromium, locale="es-ES")
    User.objects.create_superuser("jefa", "jefa@example.com", "s3cret-pass")
    demo_seed(channels=1, async_customers=8, seed=3)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    assert "Nombre de usuario" in page.inner_text("form")
    page.fill("#id_username", "jefa")
    page.fill("#id_password", "s3cret-pass")
    page.click("input[type=submit]")
    index = page.inner_text("#content")
    assert "Estados de sincronización de clientes" in index
    assert "Ejecuciones de trabajos" in index

    page.click("#dashboard-link a")
    assert "Pendientes por canal" in page.inner_text("#content")
    page.click("tr[data-channel=STORE01] button[name=run-convert]")
    page.wait_for_url("**/admin/hqcommerce/jobrun/*/change/")
    page.wait_for_selector(".field-kind >> text=Convertir clientes asincrónicos")
    assert "Iniciado por" in page.inner_text("fieldset")
    _shot(page, "job-run-es.png")

    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/")
    assert "Sincronizar los registros seleccionados" in page.inner_text("select[name=action]")


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "s3cret-pass")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")


def _drawn_widths(page, selector: str) -> list[float]:
    return [
        box["width"]
        for box in (rect.bounding_box() for rect in page.query_selector_all(selector))
        if box
    ]


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_dashboard_charts_draw_their_bars_in_every_language(live_server, chromium, locale):
    from hqcommerce.services.pipeline import convert_run

    User.objects.create_superuser("carta", "carta@example.com", "s3cret-pass")
    demo_seed(channels=2, async_customers=12, seed=7)
    convert_run(channels=["STORE01"])
    page = chromium.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "carta")

    page.goto(f"{live_server.url}/admin/dashboard/")
    backlog = _drawn_widths(page, "svg[aria-label] rect")
    # The browser drew the backlog segments and the hourly columns with a real width: a
    # coordinate it cannot parse ("90,0") leaves the rectangle at width 0.
    assert backlog and all(width > 0 for width in backlog), backlog
    ticks = page.query_selector_all("svg text.tick")
    assert len(ticks) >= 3
    _shot(page, f"dashboard-{locale[:2]}.png")


def test_admin_login_locks_after_repeated_wrong_passwords_until_staff_unlock_it(
    live_server, chromium, settings
):
    from axes.models import AccessAttempt

    User.objects.create_superuser("cajera", "cajera@example.com", "s3cret-pass")
    page = _new_page(chromium)

    def attempt(password: str) -> None:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "cajera")
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_load_state()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong-password")
    attempt("s3cret-pass")  # the right one, too late
    assert page.query_selector("#locked-out") is not None
    assert "/admin/login/" in page.url or "locked" in page.content().lower()
    assert AccessAttempt.objects.filter(username="cajera").exists()

    # Another staff member unlocks it in the admin: Axes › Access attempts, delete the row.
    User.objects.create_superuser("jefe", "jefe@example.com", "s3cret-pass")
    boss = _new_page(chromium)
    _login(boss, live_server, "jefe")
    boss.goto(f"{live_server.url}/admin/axes/accessattempt/")
    boss.check("input.action-select")
    boss.select_option("select[name=action]", "delete_selected")
    boss.click("button[name=index]")
    boss.click("input[type=submit]")  # "Yes, I'm sure"
    boss.wait_for_selector(".messagelist")
    assert not AccessAttempt.objects.filter(username="cajera").exists()

    attempt("s3cret-pass")
    page.wait_for_selector("#content")
    assert page.query_selector("#locked-out") is None
    assert "/admin/login/" not in page.url


def _english_entries() -> set[str]:
    """The English of every choice and of the messages the issue found left in English: a
    Spanish page must show none of them (each has its own Spanish translation)."""
    from hqcommerce.models.jobs import JobKind, JobStatus, TriggeredBy
    from hqcommerce.models.partners import ProspectStatus
    from hqcommerce.models.sales import StatementStatus, TransactionStatus
    from hqcommerce.models.staging import StagingOperation, StagingStatus

    choices = (
        JobKind,
        JobStatus,
        TriggeredBy,
        StagingStatus,
        StagingOperation,
        ProspectStatus,
        StatementStatus,
        TransactionStatus,
    )
    labels = {str(label) for choice in choices for label in choice.labels}
    labels |= {
        "HQ Commerce back office",
        "Back office",
        "(posted)",
        "is not a valid email address",
        "Correct the record",
        "Dry run",
        "attempts",
        "possible duplicate of",
        "pending sync",
    }
    # Words Spanish writes the same way are no evidence.
    return {label for label in labels if label not in {"API", "1010 (Customers)"}}


# Each list's key columns, which must be on screen at 1366 px without scrolling sideways.
KEY_COLUMNS = {
    "asyncstagingrecord": ["who", "status_badge", "last_error_short"],  # attempts: in status
    "prospect": ["company", "status", "customer"],
    "statement": ["business_date", "status_and_time", "total", "blocking_count"],
    "uploadedtransaction": ["transaction_id", "customer", "status", "last_error_short"],
    "jobrun": ["kind", "status", "results", "when"],
}


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_lists_key_columns_fit_a_1366_pixel_screen(live_server, chromium, locale):
    from hqcommerce.services.order_sync import order_sync_run
    from hqcommerce.services.pipeline import convert_run
    from hqcommerce.services.statements import statement_post_run

    User.objects.create_superuser("ancho", "ancho@example.com", "s3cret-pass")
    demo_seed(channels=2, async_customers=40, seed=11)
    bad_address = async_customer_stored(
        Channel.objects.get(code="STORE01"),
        {
            "first_name": "Iván",
            "last_name": "Mora",
            "addresses": [{"street": "Sol 1", "city": "Madrid", "country": "XX"}],
        },
    )
    convert_run()
    order_sync_run()
    statement_post_run()
    page = chromium.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "ancho")

    for model, columns in KEY_COLUMNS.items():
        page.goto(f"{live_server.url}/admin/hqcommerce/{model}/")
        # The results scroll sideways inside their own box: a column is on screen when it
        # ends inside that box, without scrolling.
        visible = page.locator("#changelist .results").bounding_box()
        right = min(1366, visible["x"] + visible["width"])
        for column in columns:
            box = page.locator(f"#result_list th.column-{column}").bounding_box()
            assert box is not None, (model, column)
            assert box["x"] + box["width"] <= right + 1, (model, column, box, right)
        _shot(page, f"list-{model}-{locale[:2]}.png")

    # The status page finds a customer by last name.
    record = AsyncStagingRecord.objects.filter(operation="create", status="completed").first()
    last_name = record.payload["last_name"]
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/")
    page.fill("#searchbar", last_name)
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    names = page.locator("#result_list .field-who").all_inner_texts()
    assert names and all(last_name in name for name in names), names
    assert any(record.customer_name in name for name in names)

    # A failed record with a bad address is corrected in its row, without JSON, and
    # synchronized to completed; the page says what happened and what comes next.
    failed = AsyncStagingRecord.objects.get(async_id=bad_address)
    assert failed.status == "failed"
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/{failed.pk}/change/")
    assert page.input_value("#id_addresses-0-country") == "XX"
    page.fill("#id_addresses-0-country", "ES")
    page.click("input[name=_synchronize]")
    page.wait_for_selector("#sync-outcome.completed")
    failed.refresh_from_db()
    assert failed.status == "completed", failed.last_error
    assert failed.account_number in page.inner_text("#sync-outcome")
    assert "1010" in page.inner_text("#sync-outcome")
    _shot(page, f"corrected-{locale[:2]}.png")

    if locale.startswith("es"):  # every page just visited, and the dashboard, in Spanish
        english = _english_entries()
        pages = ["/admin/", "/admin/dashboard/"] + [
            f"/admin/hqcommerce/{model}/" for model in KEY_COLUMNS
        ]
        pages.append("/admin/hqcommerce/salesorder/")  # each names its statement
        pages.append(f"/admin/hqcommerce/asyncstagingrecord/{failed.pk}/change/")
        pages.append(f"/admin/hqcommerce/jobrun/{JobRun.objects.order_by('pk').first().pk}/change/")
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            text = page.inner_text("body")
            found = sorted(label for label in english if label in text)
            assert not found, (path, found)
