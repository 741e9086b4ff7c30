import json

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from hqcommerce.models import AsyncStagingRecord, Customer, JobRun, SalesOrder
from hqcommerce.models.jobs import JobStatus
from hqcommerce.services.access import OPERATORS_GROUP, READ_ONLY_GROUP
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.upload import pjob_run
from tests.factories import PartnerRequestDataFactory

BAD_EMAIL = [{"kind": "email", "value": "not-an-email"}]

CHANGELISTS = [
    "hqcommerce_channel",
    "hqcommerce_functionalityprofile",
    "hqcommerce_numbersequence",
    "hqcommerce_affiliation",
    "hqcommerce_customer",
    "hqcommerce_asyncstagingrecord",
    "hqcommerce_jobrun",
    "hqcommerce_uploadedtransaction",
    "hqcommerce_salesorder",
    "hqcommerce_statement",
    "hqcommerce_loyaltycard",
    "channels_app_asynccustomer",
    "channels_app_asyncaddress",
    "channels_app_asynccustomeredit",
    "channels_app_channeltransaction",
    "channels_app_channelcustomer",
    "channels_app_channelreplicationstate",
    "django_q_schedule",
]


def _staff(username: str, group: str) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def operator(db) -> User:
    return _staff("operator", OPERATORS_GROUP)


@pytest.fixture
def reader(db) -> User:
    return _staff("reader", READ_ONLY_GROUP)


@pytest.fixture
def failed_record(channel, make_async_customer) -> AsyncStagingRecord:
    make_async_customer(channel)
    make_async_customer(channel, contacts=BAD_EMAIL)
    convert_run()
    return AsyncStagingRecord.objects.get(status="failed")


@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_and_the_dashboard_answer_for_read_only_staff(
    client, reader, failed_record, name
):
    client.force_login(reader)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:dashboard")).status_code == 200


def test_change_pages_open(admin_client, failed_record, record_sale, channel):
    record_sale(channel, kind="cash_and_carry")
    customer = Customer.objects.first()
    run = JobRun.objects.filter(parent__isnull=True).first()
    for url in [
        reverse("admin:hqcommerce_customer_change", args=[customer.pk]),
        reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk]),
        reverse("admin:hqcommerce_jobrun_change", args=[run.pk]),
        reverse("admin:hqcommerce_channel_change", args=[channel.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_changelists_stay_a_handful_of_queries_whatever_the_row_count(
    admin_client, channel, make_async_customer, django_assert_max_num_queries
):
    def queries_for(count: int) -> dict[str, int]:
        for _ in range(count):
            make_async_customer(channel)
        convert_run()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        result = {}
        for name in ("hqcommerce_asyncstagingrecord", "hqcommerce_customer", "hqcommerce_jobrun"):
            with CaptureQueriesContext(connection) as ctx:
                admin_client.get(reverse(f"admin:{name}_changelist"))
            result[name] = len(ctx.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            admin_client.get(reverse("admin:dashboard"))
        result["dashboard"] = len(ctx.captured_queries)
        return result

    few = queries_for(3)
    many = queries_for(40)
    assert few == many
    with django_assert_max_num_queries(20):
        admin_client.get(reverse("admin:hqcommerce_asyncstagingrecord_changelist"))


def test_read_only_staff_run_nothing(client, reader, failed_record, channel):
    client.force_login(reader)

    response = client.post(reverse("admin:dashboard_run"), {"kind": "convert"})
    assert response.status_code == 403

    changelist = client.get(reverse("admin:hqcommerce_channel_changelist"))
    assert b"queue_convert" not in changelist.content
    response = client.post(
        reverse("admin:hqcommerce_channel_changelist"),
        {"action": "queue_convert", "_selected_action": [channel.pk]},
    )
    assert not JobRun.objects.filter(triggered_by="user").exists()

    page = client.get(
        reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk])
    )
    assert b'name="_synchronize"' not in page.content  # no button (the hint names it)
    assert b'name="contacts-0-value"' not in page.content  # and nothing to edit
    response = client.post(
        reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk]),
        {"payload": json.dumps(failed_record.payload), "_synchronize": "1"},
    )
    assert response.status_code == 403
    dashboard = client.get(reverse("admin:dashboard"))
    assert b'name="kind"' not in dashboard.content


def test_operator_runs_convert_from_a_channel_action_and_gets_a_link(
    client, operator, channel, make_async_customer, django_capture_on_commit_callbacks
):
    make_async_customer(channel)
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:hqcommerce_channel_changelist"),
            {"action": "queue_convert", "_selected_action": [channel.pk]},
            follow=True,
        )

    run = JobRun.objects.get(kind="convert")
    assert run.status == JobStatus.SUCCEEDED
    assert run.triggered_by_user == operator
    assert reverse("admin:hqcommerce_jobrun_change", args=[run.pk]).encode() in response.content
    assert Customer.objects.count() == 1


def test_dashboard_run_button_queues_the_job_and_opens_its_page(
    client, operator, channel, make_async_customer, django_capture_on_commit_callbacks
):
    make_async_customer(channel)
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:dashboard_run"), {"kind": "convert", "channel": channel.code}
        )

    run = JobRun.objects.get(kind="convert")
    assert response.url == reverse("admin:hqcommerce_jobrun_change", args=[run.pk])
    assert run.channel_codes == [channel.code]


def test_dashboard_shows_backlog_per_stage(admin_client, channel, make_async_customer):
    make_async_customer(channel)
    make_async_customer(channel, contacts=BAD_EMAIL)
    pjob_run()
    customer_sync_run()
    make_async_customer(channel)

    page = admin_client.get(reverse("admin:dashboard")).content.decode()

    row = page.split(f'data-channel="{channel.code}"')[1].split("</tr>")[0]
    numbers = [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]
    # pending upload, pending sync, failed, awaiting 1010, orders pending, statements blocked
    assert numbers == ["1", "0", "1", "1", "0", "0"]
    assert "ago" in row
    assert "<svg" in page


def correction_post(page, **changes) -> dict:
    """The correction form as the browser would send it back: every field and row as shown,
    then `changes` ({"field": value} or {"contacts-0-value": value})."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    for formset in form.formsets.values():
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for row in formset.forms:
            for name, field in row.fields.items():
                value = row.initial.get(name, field.initial)
                if isinstance(value, bool):
                    if value:
                        data[row.add_prefix(name)] = "on"
                elif value is not None:
                    data[row.add_prefix(name)] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_correcting_a_failed_record_and_pressing_synchronize_converts_it(
    client, operator, failed_record, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk])
    page = client.get(url)
    assert b"not-an-email" in page.content
    assert page.context["adminform"].form.formsets["contacts"].forms[0]["value"].value() == (
        "not-an-email"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            correction_post(page, **{"contacts-0-value": "fixed@example.com", "_synchronize": "1"}),
        )

    assert response.status_code == 302
    failed_record.refresh_from_db()
    assert failed_record.status == "completed"
    customer = Customer.objects.get(origin_async_id=failed_record.async_id)
    assert customer.contacts.get().value == "fixed@example.com"
    outcome = client.get(response["Location"])
    assert outcome.context["outcome"]["state"] == "completed"
    assert customer.account_number in outcome.content.decode()
    assert "1010" in outcome.context["outcome"]["text"]


def test_a_correction_that_still_breaks_a_rule_is_refused_and_nothing_saved(
    client, operator, failed_record
):
    client.force_login(operator)
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk])
    page = client.get(url)

    response = client.post(
        url,
        correction_post(page, first_name="", last_name="", **{"contacts-0-value": "still-bad"}),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "last_name" in form.errors  # the missing name lands on its own field
    assert "value" in form.formsets["contacts"].forms[0].errors  # the bad email on its row
    failed_record.refresh_from_db()
    assert failed_record.payload["contacts"][0]["value"] == "not-an-email"


def test_an_address_row_is_added_corrected_and_deleted_without_json(
    client, operator, channel, make_async_customer
):
    make_async_customer(channel, addresses=[{"street": "Sol 1", "city": "Madrid", "country": "XX"}])
    convert_run()
    record = AsyncStagingRecord.objects.get(status="failed")
    assert "country" in record.last_error
    client.force_login(operator)
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
    page = client.get(url)

    response = client.post(
        url,
        correction_post(
            page,
            **{
                "addresses-0-country": "ES",
                "addresses-1-street": "Luna 2",
                "addresses-1-city": "Toledo",
                "addresses-1-country": "ES",
                "attributes-0-name": "Talla",
                "attributes-0-value": "M",
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert [a["city"] for a in record.payload["addresses"]] == ["Madrid", "Toledo"]
    assert record.payload["addresses"][0]["country"] == "ES"
    assert record.payload["attributes"] == [{"name": "Talla", "value": "M"}]
    saved = client.get(response["Location"])
    assert any("not synchronized yet" in str(m) for m in saved.context["messages"])

    page = client.get(url)
    response = client.post(url, correction_post(page, **{"addresses-1-DELETE": "on"}))
    assert response.status_code == 302
    record.refresh_from_db()
    assert [a["city"] for a in record.payload["addresses"]] == ["Madrid"]


def test_completed_records_cannot_be_changed(client, operator, failed_record):
    done = AsyncStagingRecord.objects.get(status="completed")
    client.force_login(operator)
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[done.pk])
    page = client.get(url)
    assert b'name="_synchronize"' not in page.content  # no button (the hint names it)
    assert b'name="contacts-0-value"' not in page.content  # and nothing to edit
    assert client.post(url, {"payload": "{}"}).status_code == 403


def test_bulk_synchronize_action(
    client, operator, failed_record, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    failed_record.payload["contacts"] = [{"kind": "email", "value": "ok@example.com"}]
    failed_record.save()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:hqcommerce_asyncstagingrecord_changelist"),
            {"action": "synchronize", "_selected_action": [failed_record.pk]},
        )

    failed_record.refresh_from_db()
    assert failed_record.status == "completed"


def test_job_run_status_json_for_the_live_page(admin_client, channel, make_async_customer):
    from hqcommerce.services.jobs import job_run_create, job_run_execute

    make_async_customer(channel)
    run = job_run_execute(job_run_create(kind="convert", triggered_by="command").pk)

    data = admin_client.get(reverse("admin:hqcommerce_jobrun_status", args=[run.pk])).json()

    assert data["status"] == run.status
    assert data["finished"] is True
    assert data["progress_total"] == 3
    page = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk]))
    assert b"job-progress" in page.content


def test_dashboard_shows_each_databases_growing_tables(admin_client, channel, make_async_customer):
    make_async_customer(channel)

    page = admin_client.get(reverse("admin:dashboard")).content.decode()

    section = page.split('id="growth"')[1].split("</table>")[0]
    for code in ("HQ", "DEFAULT", "EU"):
        assert f'data-database="{code}"' in section
    row = section.split('data-table="channels_app.AsyncCustomer"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row


def test_a_purge_run_page_lists_the_rows_removed_per_table(admin_client, channel, settings):
    from hqcommerce.services.jobs import job_run_create, job_run_execute

    settings.HQ_IDEMPOTENCY_TTL_HOURS = 0
    from channels_app.models import IdempotencyRecord

    IdempotencyRecord.objects.create(
        scope="user:1", key="k", endpoint="e", request_hash="h", status_code=201, response={}
    )
    run = job_run_execute(job_run_create(kind="purge", triggered_by="user").pk)

    page = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk]))

    assert "idempotency records: 1" in page.content.decode()


def test_every_admin_page_answers_200_when_amounts_are_the_largest_the_api_accepts(
    admin_client, channel, make_async_customer, record_sale
):
    """Stored data never breaks a page: 101 sales at the largest total a sale may have, one
    return at the largest negative, posted to one statement and as orders."""
    import html
    import re

    from django.contrib.admin import site

    from hqcommerce.services.order_sync import order_sync_run
    from hqcommerce.services.statements import statement_post_run

    customer = make_async_customer(channel)
    most = [{"item_id": "SKU-MAX", "quantity": 100_000, "unit_price": "9999.99"}]
    for _ in range(101):
        record_sale(channel, kind="cash_and_carry", customer=customer, lines=most)
    record_sale(channel, kind="customer_order", customer=customer, lines=most)
    record_sale(
        channel,
        kind="cash_and_carry",
        customer=customer,
        lines=[{"item_id": "SKU-RET", "quantity": -100_000, "unit_price": "9999.99"}],
    )
    convert_run()
    statement_post_run()
    order_sync_run()
    assert SalesOrder.objects.count() == 103

    opened = 0
    for model in site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        page = admin_client.get(url, follow=True)  # a one-row page opens its row
        assert page.status_code == 200, url
        links = re.findall(rf'href="({re.escape(url)}[^"/?]+/change/[^"]*)"', page.content.decode())
        for link in dict.fromkeys(links[:2]):
            assert admin_client.get(html.unescape(link)).status_code == 200, link
            opened += 1
    assert opened >= 10


def test_the_index_lists_hq_first_and_offers_no_public_site(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    hq = page.index('class="app-hqcommerce')
    channel_data = page.index('class="app-channels_app')
    queue = page.index('class="app-django_q')
    assert hq < channel_data < queue
    assert "View site" not in page


def test_approving_from_the_prospects_page_asks_first(client, operator, channel):
    from channels_app.services.pos import pos_partner_request_create
    from hqcommerce.models import Prospect

    pos_partner_request_create(
        channel=channel,
        data=PartnerRequestDataFactory(),
    )
    convert_run()
    prospect = Prospect.objects.get()
    client.force_login(operator)
    page = client.get(reverse("admin:hqcommerce_prospect_change", args=[prospect.pk]))
    assert 'value="approve"' in page.content.decode()

    url = reverse("admin:hqcommerce_prospect_changelist")
    asked = client.post(url, {"action": "approve", "_selected_action": [prospect.pk]})
    assert asked.status_code == 200 and 'name="confirmed"' in asked.content.decode()
    prospect.refresh_from_db()
    assert prospect.status == "new"

    client.post(url, {"action": "approve", "_selected_action": [prospect.pk], "confirmed": "yes"})
    prospect.refresh_from_db()
    assert prospect.status == "approved" and prospect.customer is not None


def test_posting_statements_from_the_dashboard_asks_first(client, operator, channel):
    client.force_login(operator)
    url = reverse("admin:dashboard_run")

    asked = client.post(url, {"kind": "statement_posting", "channel": channel.code})
    assert asked.status_code == 200 and 'name="confirmed"' in asked.content.decode()
    assert not JobRun.objects.exists()

    done = client.post(
        url, {"kind": "statement_posting", "channel": channel.code, "confirmed": "yes"}
    )
    assert done.status_code == 302
    assert JobRun.objects.get().kind == "statement_posting"


def test_revoking_device_keys_asks_first_and_reaches_the_store(admin_client, channel):
    from channels_app.models import StoreDeviceKey
    from hqcommerce.models import DeviceKey
    from hqcommerce.services.devices import device_key_create

    key, _secret = device_key_create(channel_code=channel.code, name="POS-9")
    url = reverse("admin:hqcommerce_devicekey_changelist")

    asked = admin_client.post(url, {"action": "revoke", "_selected_action": [key.pk]})
    assert 'name="confirmed"' in asked.content.decode()
    assert not DeviceKey.objects.get(pk=key.pk).revoked

    admin_client.post(url, {"action": "revoke", "_selected_action": [key.pk], "confirmed": "yes"})
    assert DeviceKey.objects.get(pk=key.pk).revoked
    assert StoreDeviceKey.objects.get(prefix=key.prefix).revoked


def _found(admin_client, term: str) -> list[AsyncStagingRecord]:
    response = admin_client.get(
        reverse("admin:hqcommerce_asyncstagingrecord_changelist"), {"q": term}
    )
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_status_page_finds_a_record_by_name_email_phone_or_part_of_its_temporary_id(
    admin_client, channel, make_async_customer
):
    make_async_customer(channel, first_name="Otra", last_name="Persona")
    async_id = make_async_customer(
        channel,
        first_name="Rosa",
        last_name="Díaz",
        contacts=[
            {"kind": "email", "value": "rosa.diaz@example.com"},
            {"kind": "phone", "value": "+34 600 111 222"},
        ],
    )
    pjob_run()
    record = AsyncStagingRecord.objects.get(async_id=async_id)
    assert (record.customer_name, record.email, record.phone) == (
        "Rosa Díaz",
        "rosa.diaz@example.com",
        "+34 600 111 222",
    )

    for term in ("Díaz", "rosa.diaz@", "600 111", str(async_id)[:8], str(async_id)[-6:]):
        assert _found(admin_client, term) == [record], term


def test_an_edit_of_a_synced_customer_shows_that_customers_name_on_the_status_page(
    admin_client, channel, make_async_customer
):
    from channels_app.selectors import store_of
    from channels_app.services.pos import pos_customer_update

    make_async_customer(channel, first_name="Pablo", last_name="Ruiz")
    convert_run()
    customer = Customer.objects.get(last_name="Ruiz")
    pos_customer_update(
        channel=store_of(channel), ref=customer.account_number, changes={"phone": "+34 699 000 111"}
    )
    pjob_run()

    edit = AsyncStagingRecord.objects.get(operation="update")
    assert (edit.customer_name, edit.phone) == ("Pablo Ruiz", "+34 699 000 111")
    assert _found(admin_client, "Ruiz") == [
        edit,
        AsyncStagingRecord.objects.get(operation="create"),
    ]


def test_a_job_runs_options_read_as_words_with_links_to_its_records(
    admin_client, failed_record, channel
):
    from hqcommerce.models.jobs import JobKind, TriggeredBy
    from hqcommerce.services.jobs import job_run_create

    run = job_run_create(
        kind=JobKind.CUSTOMER_SYNC,
        channels=None,
        options={"record_ids": [failed_record.pk], "retry_failed": True},
        triggered_by=TriggeredBy.USER,
    )
    page = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk]))

    html = page.content.decode()
    record_url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[failed_record.pk])
    assert f'<a href="{record_url}">#{failed_record.pk}</a>' in html
    assert "Failed records retried too." in html
    assert "record_ids" not in html


def test_a_device_key_is_named_by_its_channels_code(channel):
    from hqcommerce.services.devices import device_key_create

    key, _ = device_key_create(channel_code=channel.code, name="REGISTER-1")
    assert str(key).startswith(f"REGISTER-1 – {channel.code} (")


def test_a_job_runs_errors_name_each_customer_and_link_its_record(admin_client, failed_record):
    run = JobRun.objects.filter(kind="customer_sync", failed=1).get()
    assert str(failed_record.async_id) in run.error_summary  # the worker's text keeps the id

    html = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk])).content
    search = reverse("admin:hqcommerce_asyncstagingrecord_changelist")
    # The name is the link's text; the temporary id is its hover text.
    link = (
        f'<a href="{search}?q={failed_record.async_id}" title="{failed_record.async_id}">'
        f"{failed_record.customer_name}</a>"
    )
    assert failed_record.customer_name
    assert link.encode() in html


def test_a_single_jobs_page_has_no_steps_and_folds_the_worker_task_away(admin_client, channel):
    done = {"status": "succeeded", "started_at": timezone.now(), "finished_at": timezone.now()}
    run = JobRun.objects.create(kind="pjob", **done)
    html = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk])).content
    assert b"steps-group" not in html.lower() and b"jobrun_set-group" not in html
    assert b'<fieldset class="module aligned collapse' in html

    chain = JobRun.objects.create(kind="convert", **done)
    JobRun.objects.create(kind="pjob", parent=chain, **done)
    html = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[chain.pk])).content
    assert b'id="steps-group"' in html


def test_a_prospects_page_leaves_out_the_duplicate_checks_key(admin_client, channel):
    from channels_app.services.pos import pos_partner_request_create
    from hqcommerce.models import Prospect

    pos_partner_request_create(channel=channel, data=PartnerRequestDataFactory())
    convert_run()
    page = admin_client.get(
        reverse("admin:hqcommerce_prospect_change", args=[Prospect.objects.get().pk])
    )
    assert page.status_code == 200
    assert b"normalized" not in page.content.lower()


def test_the_device_keys_page_shows_when_each_register_last_used_its_key(admin_client, channel):
    from channels_app.models import StoreDeviceKey
    from tests.clients import device_client

    register = device_client(channel, name="REGISTER-1")
    device_client(channel, name="REGISTER-2")  # never used
    assert register.get("/api/v1/health/").status_code == 200
    from channels_app.selectors import store_of

    alias = store_of(channel)._state.db
    used = StoreDeviceKey.objects.using(alias).get(name="REGISTER-1")
    first = used.last_used_at
    assert first is not None
    register.get("/api/v1/health/")  # within the resolution: no second write
    used.refresh_from_db()
    assert used.last_used_at == first

    page = admin_client.get(reverse("admin:hqcommerce_devicekey_changelist"))
    rows = {key.name: key.last_used_at for key in page.context["cl"].result_list}
    assert rows == {"REGISTER-1": first, "REGISTER-2": None}


def test_a_dry_run_is_marked_as_one_on_the_dashboard_the_list_and_its_page(
    admin_client, channel, make_async_customer
):
    from hqcommerce.models.jobs import JobKind, TriggeredBy
    from hqcommerce.services.jobs import job_run_create, job_run_execute

    make_async_customer(channel)
    run = job_run_create(kind=JobKind.CONVERT, dry_run=True, triggered_by=TriggeredBy.USER)
    run = job_run_execute(run.pk)
    assert run.created > 0 and not Customer.objects.exists()

    dashboard = admin_client.get(reverse("admin:dashboard")).content.decode()
    assert "dry run: nothing written" in dashboard
    listing = admin_client.get(reverse("admin:hqcommerce_jobrun_changelist")).content.decode()
    assert "Dry run: nothing was written" in listing
    page = admin_client.get(reverse("admin:hqcommerce_jobrun_change", args=[run.pk]))
    assert "dry run)" in page.content.decode()  # its title


def test_an_operator_issues_loyalty_cards_from_the_customers_list_after_confirming(
    client, operator, reader, channel, make_async_customer
):
    from hqcommerce.models import LoyaltyCard

    make_async_customer(channel)
    convert_run()
    customer = Customer.objects.get()
    url = reverse("admin:hqcommerce_customer_changelist")
    action = {"action": "issue_loyalty_cards", "_selected_action": [customer.pk]}

    client.force_login(reader)
    assert "issue_loyalty_cards" not in client.get(url).content.decode()
    client.force_login(operator)
    asked = client.post(url, action)
    assert 'name="confirmed"' in asked.content.decode()
    assert customer.account_number in asked.content.decode()
    assert not LoyaltyCard.objects.exists()

    done = client.post(url, {**action, "confirmed": "yes"}, follow=True)

    card = LoyaltyCard.objects.get()
    assert card.customer == customer and card.channel.code == channel.code
    assert card.card_number in done.content.decode()
    page = client.get(reverse("admin:hqcommerce_customer_change", args=[customer.pk]))
    assert card.card_number in page.content.decode()


def _filtered(client, **params) -> list:
    response = client.get(reverse("admin:hqcommerce_asyncstagingrecord_changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_status_page_filters_by_name_email_phone_account_channel_and_operation_time(
    admin_client, channel, make_async_customer
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import ChannelFactory

    other_channel = ChannelFactory()
    make_async_customer(other_channel, first_name="Rosa", last_name="Otra")
    make_async_customer(
        channel,
        first_name="Rosa",
        last_name="Díaz",
        contacts=[
            {"kind": "email", "value": "rosa.diaz@example.com"},
            {"kind": "phone", "value": "+34 600-111-222"},
        ],
    )
    convert_run()
    rosa = AsyncStagingRecord.objects.get(customer_name="Rosa Díaz")
    older = AsyncStagingRecord.objects.exclude(pk=rosa.pk).get()
    AsyncStagingRecord.objects.filter(pk=older.pk).update(
        operation_time=timezone.now() - timedelta(days=10)
    )
    today = timezone.localdate()

    assert _filtered(admin_client, name="díaz") == [rosa]
    assert _filtered(admin_client, email="rosa.diaz@") == [rosa]
    assert _filtered(admin_client, phone="600 111 222") == [rosa]
    assert _filtered(admin_client, phone="600111222") == [rosa]
    assert _filtered(admin_client, account=rosa.account_number) == [rosa]
    assert _filtered(admin_client, name="Rosa", channel__id__exact=other_channel.pk) == [older]
    assert _filtered(
        admin_client,
        operation_time__range__gte=(today - timedelta(days=1)).isoformat(),
        operation_time__range__lte=today.isoformat(),
    ) == [rosa]
    assert _filtered(
        admin_client, operation_time__range__lte=(today - timedelta(days=5)).isoformat()
    ) == [older]
    page = admin_client.get(
        reverse("admin:hqcommerce_asyncstagingrecord_changelist"), {"name": "Rosa", "q": "Díaz"}
    ).content.decode()
    assert 'name="q" value="Díaz"' in page  # typing in a filter keeps the search


def test_the_commerce_parameters_page_turns_a_feature_off_and_the_stores_get_it(
    admin_client, channel
):
    from channels_app.models import Store
    from hqcommerce.models import CommerceParameters

    page = admin_client.get(reverse("admin:hqcommerce_commerceparameters_changelist"), follow=True)
    assert "Enable editing customers in asynchronous mode" in page.content.decode()
    url = page.redirect_chain[-1][0]

    saved = admin_client.post(
        url,
        {"async_address_creation": "on", "enhanced_async_creation": "on"},
        follow=True,
    )

    assert "Saved." in saved.content.decode()
    assert CommerceParameters.objects.get().async_customer_editing is False
    assert Store.objects.get(pk=channel.pk).async_customer_editing is False
    refused = admin_client.post(url, {"async_customer_editing": "on"})
    assert "needs the other two" in refused.content.decode()
    assert CommerceParameters.objects.get().async_address_creation is True


def test_an_edits_attribute_grid_shows_old_and_new_and_is_corrected_to_a_typed_value(
    client, operator, channel, django_capture_on_commit_callbacks
):
    from channels_app.services.pos import pos_customer_update
    from hqcommerce.models import AttributeDefinition, AttributeGroup
    from hqcommerce.services.configuration import channel_configuration_push
    from tests.factories import CustomerDataFactory, async_customer_stored

    async_id = async_customer_stored(
        channel, CustomerDataFactory(attributes=[{"name": "Tier", "value": "Silver"}])
    )
    convert_run()
    account = Customer.objects.get(origin_async_id=async_id).account_number
    pos_customer_update(
        channel=channel,
        ref=account,
        changes={"attributes": [{"name": "Tier", "value": "Platinum"}]},
    )
    # HQ types the attribute after the store recorded the edit: the sync job refuses it.
    group = AttributeGroup.objects.create(name="Loyalty")
    group.attributes.add(
        AttributeDefinition.objects.create(
            name="Tier", data_type="list", allowed_values=["Silver", "Gold"]
        )
    )
    channel.attribute_groups.add(group)
    channel_configuration_push(channels=[channel])
    convert_run()
    record = AsyncStagingRecord.objects.get(operation="update")
    assert record.status == "failed" and "Silver, Gold" in record.last_error

    client.force_login(operator)
    url = reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
    page = client.get(url)
    grid = page.content.decode()
    assert "attribute Tier" in grid and "Silver" in grid and "Platinum" in grid
    assert page.context["adminform"].form.formsets["attributes"].forms[0]["value"].value() == (
        "Platinum"
    )
    refused = client.post(url, correction_post(page, **{"attributes-0-value": "Bronze"}))
    assert refused.status_code == 200 and "Silver, Gold" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, correction_post(page, **{"attributes-0-value": "Gold", "_synchronize": "1"})
        )

    record.refresh_from_db()
    assert record.status == "completed"
    assert Customer.objects.get(account_number=account).attributes.get().value == "Gold"
    assert ("attribute Tier", "Silver", "Gold") in record.changes


def test_an_attributes_allowed_values_are_typed_one_per_line(admin_client):
    from hqcommerce.models import AttributeDefinition

    url = reverse("admin:hqcommerce_attributedefinition_add")
    form = {"name": "Tier", "data_type": "list", "default_value": "", "required": ""}
    answer = admin_client.post(url, {**form, "allowed_values": "Silver\r\n\r\n  Gold \r\n"})
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    tier = AttributeDefinition.objects.get(name="Tier")
    assert tier.allowed_values == ["Silver", "Gold"]

    page = admin_client.get(reverse("admin:hqcommerce_attributedefinition_change", args=[tier.pk]))
    assert page.context["adminform"].form["allowed_values"].value() == "Silver\nGold"

    # A list with no values is refused on its field, and nothing is saved.
    refused = admin_client.post(url, {**form, "name": "Size", "allowed_values": "\r\n  \r\n"})
    assert refused.status_code == 200
    assert "allowed_values" in refused.context["adminform"].form.errors
    assert not AttributeDefinition.objects.filter(name="Size").exists()
