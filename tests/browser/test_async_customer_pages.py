"""#22's back-office pages in Chromium at 1366x768, in English and Spanish: the Commerce
parameters (D365's feature switches), attribute definitions, an edit's old and new values on
the status page, its customer-field and date-range filters, and issuing a loyalty card."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from channels_app.models import Store
from channels_app.services.pos import pos_customer_update
from hqcommerce.models import (
    AsyncStagingRecord,
    AttributeDefinition,
    CommerceParameters,
    Customer,
    LoyaltyCard,
)
from hqcommerce.services.pipeline import convert_run
from tests.factories import ChannelFactory, CustomerDataFactory, async_customer_stored

from .test_back_office import _login, _shot
from .test_back_office import pytestmark as _marks

pytestmark = _marks

TEXTS = {
    "en-US": {
        "saved": "Saved.",
        "grid": "old and new values",
        "issued": "Issued 1 loyalty card",
        "yes_issue": "Yes, issue",
        "list": "List of values",
    },
    "es-ES": {
        "saved": "Guardado.",
        "grid": "valores anteriores y nuevos",
        "issued": "Se emitió 1 tarjeta de fidelización",
        "yes_issue": "Sí, emitir",
        "list": "Lista de valores",
    },
}
ENGLISH_ONLY = (
    "Enable editing customers in asynchronous mode",
    "Commerce parameters",
    "old and new values",
    "Edit address",
    "Delete address",
    "List of values",
    "customer name",
    "operation time",
    "Issue a loyalty card",
)


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_the_async_customer_pages_work_in_both_languages(live_server, chromium, locale):
    texts = TEXTS[locale]
    User.objects.create_superuser("pilar", "pilar@example.com", "s3cret-pass")
    store = ChannelFactory(country="ESP")
    async_id = async_customer_stored(
        store, CustomerDataFactory(last_name="Zamora", attributes=[{"name": "Talla", "value": "M"}])
    )
    convert_run()
    customer = Customer.objects.get(origin_async_id=async_id)
    pos_customer_update(
        channel=store,
        ref=customer.account_number,
        changes={"last_name": "Zamora Ruiz", "attributes": [{"name": "Talla", "value": "L"}]},
    )
    convert_run()
    edit = AsyncStagingRecord.objects.get(operation="update")
    page = chromium.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "pilar")
    seen = []

    # Commerce parameters: turn async editing off; the stores get it at once.
    page.goto(f"{live_server.url}/admin/hqcommerce/commerceparameters/")
    page.uncheck("#id_async_customer_editing")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert texts["saved"] in page.inner_text(".messagelist")
    assert CommerceParameters.objects.get().async_customer_editing is False
    assert Store.objects.get(pk=store.pk).async_customer_editing is False
    seen.append(page.inner_text("body"))
    _shot(page, f"commerce-parameters-{locale[:2]}.png")

    # A list-of-values attribute definition, through the admin form.
    page.goto(f"{live_server.url}/admin/hqcommerce/attributedefinition/add/")
    page.fill("#id_name", "Tier")
    page.select_option("#id_data_type", "list")
    page.fill("#id_allowed_values", "Silver\nGold")
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")
    assert AttributeDefinition.objects.get(name="Tier").allowed_values == ["Silver", "Gold"]
    assert texts["list"] in page.inner_text("#result_list")
    seen.append(page.inner_text("body"))

    # The edit's page: a grid of old and new values.
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/{edit.pk}/change/")
    grid = page.inner_text(".field-changes_table")
    assert texts["grid"].lower() in page.inner_text("body").lower()
    assert "Zamora" in grid and "Zamora Ruiz" in grid and "M" in grid and "L" in grid
    seen.append(page.inner_text("body"))
    _shot(page, f"edit-old-new-{locale[:2]}.png")

    # The status page filters by customer name and by a range of operation time.
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/")
    page.fill("input[name=name]", "Zamora Ruiz")
    page.press("input[name=name]", "Enter")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1
    assert page.locator("input[name=operation_time__range__gte]").count() == 1
    seen.append(page.inner_text("body"))

    # Customers: issue a loyalty card after the confirmation page.
    page.goto(f"{live_server.url}/admin/hqcommerce/customer/")
    page.check("input.action-select")
    page.select_option("select[name=action]", "issue_loyalty_cards")
    page.click("button[name=index]")
    page.click(f"input[value='{texts['yes_issue']}']")
    page.wait_for_selector(".messagelist")
    assert texts["issued"] in page.inner_text(".messagelist")
    assert LoyaltyCard.objects.filter(customer=customer).count() == 1
    seen.append(page.inner_text("body"))

    if locale.startswith("es"):
        for text in seen:
            found = [label for label in ENGLISH_ONLY if label in text]
            assert not found, found
