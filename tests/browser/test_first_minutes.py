"""A newcomer's first minutes in Chromium (#31): empty lists say what fills them and offer
Convert now; the monitoring pages are one click from any page; the header switches language."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from channels_app.services.pos import pos_partner_request_create
from hqcommerce.models import AsyncStagingRecord, Prospect
from tests.factories import (
    ChannelFactory,
    CustomerDataFactory,
    PartnerRequestDataFactory,
    async_customer_stored,
)

from .test_back_office import _login
from .test_back_office import pytestmark as _marks
from .test_screens_fit import overflowing

pytestmark = _marks


def _page(chromium, live_server, locale: str = "en-US"):
    User.objects.create_superuser("nueva", "nueva@example.com", "s3cret-pass")
    page = chromium.new_page(viewport={"width": 1366, "height": 768}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "nueva")
    return page


HINTS = {
    "en-US": ("partner request", "P-job", "15 minutes"),
    "es-ES": ("solicitud de socio", "trabajo P", "15 minutos"),
}


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_an_empty_status_page_says_what_fills_it_and_converts_at_a_click(
    live_server, chromium, locale
):
    partner, pjob, interval = HINTS[locale]
    store = ChannelFactory()
    async_customer_stored(store, CustomerDataFactory(first_name="Lola", last_name="Vidal"))
    pos_partner_request_create(channel=store, data=PartnerRequestDataFactory())
    page = _page(chromium, live_server, locale)

    page.goto(f"{live_server.url}/admin/hqcommerce/prospect/")
    assert partner in page.inner_text("#empty-hint")
    assert not overflowing(page)
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/")
    hint = page.inner_text("#empty-hint")
    assert pjob in hint and interval in hint
    assert not overflowing(page)

    page.click("#empty-hint button[name=run-convert]")
    page.wait_for_url("**/admin/hqcommerce/jobrun/*/change/")
    assert AsyncStagingRecord.objects.filter(customer_name="Lola Vidal").exists()
    assert Prospect.objects.count() == 1

    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/")
    assert page.locator("#empty-hint").count() == 0
    assert "Lola Vidal" in page.inner_text("#result_list")
    # A search that finds nothing is not an empty install: no hint.
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/?q=nobody-at-all")
    assert page.locator("#empty-hint").count() == 0


@pytest.mark.parametrize("start", ["/admin/hqcommerce/customer/", "/admin/axes/accessattempt/"])
def test_the_dashboard_and_channel_database_status_are_one_click_from_any_page(
    live_server, chromium, start
):
    page = _page(chromium, live_server)
    page.goto(f"{live_server.url}{start}")
    page.click("#monitoring-links a >> nth=0")
    page.wait_for_url("**/admin/dashboard/")
    assert page.locator("#backlog").count() == 1

    page.goto(f"{live_server.url}{start}")
    page.click("#nav-sidebar .app-monitoring a[href$='/channel-databases/']")
    page.wait_for_url("**/admin/channel-databases/")
    assert page.locator("#channel-databases").count() == 1

    # The HQ section's "Channel databases" opens the same status page.
    page.goto(f"{live_server.url}{start}")
    page.click("#nav-sidebar .app-hqcommerce .model-channeldatabase th a")
    page.wait_for_url("**/admin/channel-databases/")


def test_the_header_switches_the_back_office_language(live_server, chromium):
    page = _page(chromium, live_server, locale="en-US")
    page.goto(f"{live_server.url}/admin/hqcommerce/customer/")
    assert "Synchronization dashboard" in page.inner_text("#header")

    page.select_option("#language-select", "es")
    page.wait_for_load_state()
    page.wait_for_selector("html[lang=es]")
    assert page.url.endswith("/admin/hqcommerce/customer/")  # the same page, now in Spanish
    assert "Panel de sincronización" in page.inner_text("#header")
    assert "Seleccione cliente" in page.inner_text("#content")

    page.goto(f"{live_server.url}/admin/hqcommerce/jobrun/")  # the choice stays
    assert page.get_attribute("html", "lang") == "es"
    page.select_option("#language-select", "en")
    page.wait_for_selector("html[lang=en]")
    assert "Select job run" in page.inner_text("#content")
