"""Every admin screen fits a 1366 x 768 laptop in English and Spanish (#31).

The pages are generated from the admin registry, not listed by hand: each registered model's
list, the change form of one of its rows (a failed record for the status page, whose
correction form is the widest), and its add form where staff may add. A page fits when no
element of its content ends right of what the reader can see: the viewport, or a box that
scrolls or clips it (the admin's results box scrolls sideways, which hides the columns it
pushes out)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from channels_app.databases import channel_database_aliases
from hqcommerce.models import AsyncStagingRecord, Channel
from hqcommerce.services.demo import demo_seed
from hqcommerce.services.devices import device_key_create, scale_unit_key_create
from hqcommerce.services.order_sync import order_sync_run
from hqcommerce.services.pipeline import convert_run
from hqcommerce.services.statements import statement_post_run
from tests.factories import ChannelFactory, async_customer_stored

from .test_back_office import _login, _shot
from .test_back_office import pytestmark as _marks

pytestmark = _marks

WIDTH, HEIGHT = 1366, 768

# Each element of the page's content that ends right of what can be seen of it: the
# viewport, narrowed by every ancestor that scrolls or clips sideways. Screen-reader-only
# text (.visually-hidden) is clipped on purpose.
OVERFLOWING = r"""() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('#content *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || el.closest('.visually-hidden')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let edge = width;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') {
        edge = Math.min(edge, up.getBoundingClientRect().right);
      }
    }
    if (box.right > edge + 1) {
      const classes = typeof el.className === 'string' ? el.className.trim() : '';
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (classes ? '.' + classes.split(/\s+/).join('.') : '');
      found.push(`${name} ends at ${Math.round(box.right)} px, visible to ${Math.round(edge)} px: `
        + JSON.stringify((el.innerText || el.value || '').trim().slice(0, 40)));
    }
  }
  return found;
}"""


def overflowing(page) -> list[str]:
    """What of the page lies right of what can be seen (the deepest elements first: a cell
    says more than its row)."""
    found = page.evaluate(OVERFLOWING)
    return list(reversed(found))[:5]


def populated() -> None:
    """One of every kind of row the admin lists: stores with converted, pending and failed
    customers, orders, statements, prospects, job runs, keys."""
    User.objects.create_superuser("ancho", "ancho@example.com", "s3cret-pass")
    demo_seed(channels=2, async_customers=24, seed=3)
    async_customer_stored(
        Channel.objects.get(code="STORE01"),
        {
            "first_name": "Maximiliana",
            "last_name": "Fernández-Villaverde",
            "addresses": [{"street": "Avenida de la Constitución 128", "city": "Madrid"}],
            "contacts": [{"kind": "email", "value": "maximiliana.fernandez@example.com"}],
        },
    )
    convert_run()
    order_sync_run()
    statement_post_run()
    device_key_create(channel_code="STORE01", name="Caja 1 — mostrador principal")
    scale_unit_key_create(database_code="DEFAULT", name="Unidad de escalado principal")


def admin_pages() -> list[str]:
    """The site's own pages, then per registered model: its list, one row's change form and
    the add form (the page refuses it when staff may not add: such answers are skipped)."""
    channel_alias = next(iter(channel_database_aliases().values()))
    pages = [reverse("admin:index"), reverse("admin:dashboard"), reverse("admin:channel_databases")]
    failed = AsyncStagingRecord.objects.filter(status="failed", operation="create").first()
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{info}_changelist"))
        if model is AsyncStagingRecord:
            row = failed
        else:
            database = channel_alias if model._meta.app_label == "channels_app" else "default"
            row = model._default_manager.using(database).order_by("pk").first()
        if row is not None:
            pages.append(reverse(f"{info}_change", args=[row.pk]))
        pages.append(reverse(f"{info}_add"))
    return pages


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_admin_page_fits_a_1366_pixel_screen(live_server, chromium, locale):
    populated()
    pages = admin_pages()
    assert len(pages) > 60  # the registry, not a hand list
    page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "ancho")

    problems, seen = {}, 0
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        if response.status == 403 and path.endswith("/add/"):
            continue
        assert response.status == 200, (path, response.status)
        seen += 1
        found = overflowing(page)
        if found:
            problems[path] = found
            _shot(page, f"overflow-{locale[:2]}-{path.strip('/').replace('/', '-')}.png")
    assert not problems, problems
    assert seen > 50


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_a_wrong_country_in_the_correction_form_shows_its_message_on_screen(
    live_server, chromium, locale
):
    User.objects.create_superuser("ancho", "ancho@example.com", "s3cret-pass")
    store = ChannelFactory(name="Tienda de la Plaza Mayor", country="ESP")
    async_id = async_customer_stored(
        store,
        {
            "first_name": "Iván",
            "last_name": "Mora",
            "addresses": [{"street": "Sol 1", "city": "Madrid", "country": "XX"}],
        },
    )
    convert_run()
    failed = AsyncStagingRecord.objects.get(async_id=async_id)
    assert failed.status == "failed"
    page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale=locale)
    page.set_default_timeout(20_000)
    _login(page, live_server, "ancho")
    page.goto(f"{live_server.url}/admin/hqcommerce/asyncstagingrecord/{failed.pk}/change/")
    # The name comes first in the title; the GUID is only the hover text.
    title = page.inner_text("#content h2, #content-main h2")
    assert "Iván Mora" in title and str(async_id) not in title, title

    page.fill("#id_addresses-0-country", "QQ")
    page.click("input[name=_save]")
    message = page.locator("#addresses-row-0 .errorlist")
    message.scroll_into_view_if_needed()
    box = message.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert "QQ" in message.inner_text()
    assert not overflowing(page), overflowing(page)
    failed.refresh_from_db()
    assert failed.payload["addresses"][0]["country"] == "XX"  # nothing half-saved
    _shot(page, f"correction-wrong-country-{locale[:2]}.png")
