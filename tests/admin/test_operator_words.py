"""The admin speaks the operator's words (#31.6, .14): names HQ keeps in English in its
database read in Spanish, one English word with two meanings gets two Spanish ones, and a
decision taken on a record's page answers on that page."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse

from channels_app.services.pos import pos_partner_request_create
from hqcommerce.models import AsyncStagingRecord, Prospect
from hqcommerce.services.access import OPERATORS_GROUP
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.schedules import schedules_install
from tests.factories import PartnerRequestDataFactory, async_customer_stored


def _spanish(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    return response.content.decode()


def test_groups_permissions_and_schedules_read_in_spanish(admin_client):
    groups = _spanish(admin_client, reverse("admin:auth_group_changelist"))
    assert "Operadores de sincronización" in groups and ">Sync operators<" not in groups

    operators = Group.objects.get(name=OPERATORS_GROUP)
    form = _spanish(admin_client, reverse("admin:auth_group_change", args=[operators.pk]))
    assert "Puede ejecutar trabajos de sincronización" in form
    assert "Puede ver cliente" in form
    assert "Can view" not in form and "Can run sync jobs" not in form

    schedules_install(minutes=15)
    schedules = _spanish(admin_client, reverse("admin:django_q_schedule_changelist"))
    assert "Trabajo P (cargar clientes asincrónicos)" in schedules
    assert "P-job (upload async customers)" not in schedules
    # The stored name stays the key: installing again finds the same rows.
    assert all(not created for _schedule, created in schedules_install(minutes=15))


def test_an_address_purpose_is_not_the_breadcrumbs_home(admin_client, channel):
    async_id = async_customer_stored(
        channel,
        {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "addresses": [
                {"purpose": "home", "street": "Sol 1", "city": "Madrid", "country": "XX"}
            ],
        },
    )
    convert_run()
    record = AsyncStagingRecord.objects.get(async_id=async_id)
    page = _spanish(
        admin_client, reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
    )
    assert '<option value="home" selected>Domicilio</option>' in page
    assert ">Inicio</a>" in page  # the breadcrumb keeps its word
    # Labels start with a capital, as every other label of the admin does.
    assert ">Nombre:</label>" in page or ">Nombre</label>" in page


def test_approving_from_a_prospects_page_returns_to_that_page(admin_client, channel):
    pos_partner_request_create(channel=channel, data=PartnerRequestDataFactory())
    convert_run()
    prospect = Prospect.objects.get()
    page_url = reverse("admin:hqcommerce_prospect_change", args=[prospect.pk])
    page = admin_client.get(page_url)
    assert b'name="_return_to"' in page.content

    changelist = reverse("admin:hqcommerce_prospect_changelist")
    form = {"action": "approve", "_selected_action": [prospect.pk], "_return_to": page_url}
    confirm = admin_client.post(changelist, form)
    assert confirm.status_code == 200 and b'name="_return_to"' in confirm.content
    done = admin_client.post(changelist, {**form, "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == page_url
    prospect.refresh_from_db()
    assert prospect.customer is not None

    # Another site's address is not followed: the answer goes to the list.
    other = Prospect.objects.exclude(pk=prospect.pk).first()
    assert other is None
    rejected = admin_client.post(
        changelist,
        {
            "action": "approve",
            "_selected_action": [prospect.pk],
            "confirmed": "yes",
            "_return_to": "https://evil.example.com/",
        },
    )
    assert rejected.status_code == 302 and rejected["Location"].startswith(changelist)


def test_a_channels_default_customer_is_chosen_by_search_not_by_id(admin_client, channel):
    page = admin_client.get(reverse("admin:hqcommerce_channel_change", args=[channel.pk]))
    html = page.content.decode()
    assert 'class="admin-autocomplete' in html and "vForeignKeyRawIdAdminField" not in html


def test_a_list_writes_every_date_one_way_per_language(admin_client, channel):
    """Django's own columns and the ones the admin formats itself ("queued at", "last
    used") read alike: "Dec 6, 2026, 14:05" in English, "6 Dic 2026, 14:05" in Spanish."""
    import re

    from hqcommerce.services.devices import device_key_create
    from tests.factories import CustomerDataFactory

    async_customer_stored(channel, CustomerDataFactory())
    convert_run()
    device_key_create(channel_code=channel.code, name="Caja 1")
    english = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}$")
    spanish = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$")
    for url in (
        reverse("admin:hqcommerce_jobrun_changelist"),
        reverse("admin:hqcommerce_customer_changelist"),
        reverse("admin:hqcommerce_devicekey_changelist"),
    ):
        for language, shape in (("en", english), ("es", spanish)):
            html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            cells = re.findall(r'<td class="field-[\w_]+[^"]*">([^<]*\d{4}[^<]*)<', html)
            dates = [cell.strip() for cell in cells if re.search(r"\d{2}:\d{2}", cell)]
            assert dates, (url, language)
            assert all(shape.match(date) for date in dates), (url, language, dates)


def test_a_prospects_likely_duplicate_is_named_and_linked(admin_client, channel):
    """Two requests from one company: the second prospect names the first by its company,
    links it, and keeps its request id for the hover; its address reads as lines."""
    address = {"street": "Gran Vía 1", "city": "Madrid", "zip_code": "28013", "country": "ESP"}
    pos_partner_request_create(channel=channel, data=PartnerRequestDataFactory(**address))
    pos_partner_request_create(
        channel=channel, data=PartnerRequestDataFactory(company_name="Fabrikam Iberia")
    )
    convert_run()
    first, second = Prospect.objects.order_by("pk")
    assert second.possible_duplicate_detail  # flagged by tax id

    page = admin_client.get(reverse("admin:hqcommerce_prospect_change", args=[second.pk]))
    html = page.content.decode()
    first_url = reverse("admin:hqcommerce_prospect_change", args=[first.pk])
    assert f'<a href="{first_url}" title="{first.async_id}">prospect Fabrikam</a>' in html

    lines = admin_client.get(reverse("admin:hqcommerce_prospect_change", args=[first.pk]))
    assert "Gran Vía 1<br>28013 Madrid<br>ESP" in lines.content.decode()

    # A hint kept as plain text (rows from before messages were codes) still shows.
    Prospect.objects.filter(pk=second.pk).update(possible_duplicate_detail="an older hint")
    old = admin_client.get(reverse("admin:hqcommerce_prospect_change", args=[second.pk]))
    assert old.status_code == 200 and "an older hint" in old.content.decode()
