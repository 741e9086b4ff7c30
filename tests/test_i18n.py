"""Spanish and English: every string we show is marked, translated, compiled, and used."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from rest_framework.test import APIClient

from hqcommerce.models import AsyncStagingRecord, JobRun
from hqcommerce.models.staging import StagingStatus
from hqcommerce.services.customer_sync import customer_sync_run
from hqcommerce.services.upload import pjob_run
from tests.clients import device_client

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = [
    ROOT / "hqcommerce/locale/es/LC_MESSAGES/django.po",
    ROOT / "channels_app/locale/es/LC_MESSAGES/django.po",
]
SOURCE_DIRS = [ROOT / "hqcommerce", ROOT / "channels_app"]
TEMPLATE_DIR = ROOT / "templates"
OUR_APPS = ("hqcommerce", "channels_app")
# Inherited from django-rest-framework-api-key and not shown by our admin.
FOREIGN_FIELDS = {
    (model, field)
    for model in ("devicekey", "storedevicekey", "scaleunitkey")
    for field in ("id", "hashed_key")
}
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
CONTEXT_NAMES = {"pgettext", "pgettext_lazy"}


def _entries() -> list[polib.POEntry]:
    return [entry for path in CATALOGS for entry in polib.pofile(str(path))]


def _catalog_keys() -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in _entries()}


def _python_sources():
    for directory in SOURCE_DIRS:
        for path in directory.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _marked_in_python() -> set[tuple[str | None, str]]:
    found = set()
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = node.args
            if node.func.id in GETTEXT_NAMES and args and isinstance(args[0], ast.Constant):
                found.add((None, args[0].value))
            elif node.func.id in CONTEXT_NAMES and len(args) > 1:
                found.add((args[0].value, args[1].value))
    return found


def _marked_in_templates() -> set[tuple[str | None, str]]:
    found = set()
    for path in TEMPLATE_DIR.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"""{% translate (["'])(.*?)\1""", text):
            found.add((None, match.group(2)))
        for match in re.finditer(
            r"{% blocktranslate[^%]*%}(.*?){% (?:endblocktranslate|plural) %}", text, re.S
        ):
            found.add((None, re.sub(r"{{ (\w+) }}", r"%(\1)s", match.group(1))))
    return found


def test_catalogs_have_no_untranslated_or_fuzzy_entries():
    for path in CATALOGS:
        catalog = polib.pofile(str(path))
        assert len(catalog) > 50, path
        assert catalog.untranslated_entries() == [], path
        assert catalog.fuzzy_entries() == [], path
        assert catalog.metadata["Language"] == "es"


def test_translations_keep_every_placeholder_of_the_english():
    placeholder = re.compile(r"%\(\w+\)[srd]|{}")
    for entry in _entries():
        english = sorted(placeholder.findall(entry.msgid))
        translated = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for text in translated:
            assert sorted(placeholder.findall(text)) == english, entry.msgid


def test_every_string_marked_in_code_and_templates_is_in_the_catalogs():
    marked = _marked_in_python() | _marked_in_templates()
    assert len(marked) > 400
    missing = marked - _catalog_keys()
    assert not missing, f"run `make makemessages` and translate: {sorted(missing, key=str)}"


def test_every_model_name_field_label_and_choice_is_marked_for_translation():
    keys = _catalog_keys()

    def check(text, what: str) -> None:
        assert isinstance(text, Promise), f"{what} is not marked for translation: {text!r}"
        assert (None, str(text)) in keys or any(k[1] == str(text) for k in keys), what

    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            name = model._meta.model_name
            check(model._meta.verbose_name, f"{name} verbose_name")
            check(model._meta.verbose_name_plural, f"{name} verbose_name_plural")
            for field in model._meta.get_fields():
                if field.auto_created or not field.concrete or (name, field.name) in FOREIGN_FIELDS:
                    continue
                check(field.verbose_name, f"{name}.{field.name}")
                if field.help_text:
                    check(field.help_text, f"{name}.{field.name} help_text")
                for _value, label in field.flatchoices:
                    check(label, f"{name}.{field.name} choice")


def test_the_compiled_catalogs_match_the_po_files():
    """The .mo files are built from the current .po files (make messages)."""
    with translation.override("es"):
        for entry in _entries():
            if entry.msgid_plural:
                got = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                assert got == entry.msgstr_plural[0], entry.msgid
            elif entry.msgctxt:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_d365_spanish_terms_are_used():
    with translation.override("es"):
        assert str(JobRun._meta.get_field("kind").choices[0][1]) == "Trabajo P (carga)"
        kinds = " ".join(str(label) for _, label in JobRun._meta.get_field("kind").choices)
        for term in (
            "Sincronizar clientes y solicitudes de canal",
            "Trabajo 1010",
            "Registro de extractos",
        ):
            assert term in kinds
        assert translation.gettext("Synchronize orders") == "Sincronización de pedidos"
        assert translation.gettext("Pending sync") == "Pendiente de sincronizar"
        assert translation.gettext("async customer") == "cliente asincrónico"
        assert "sede de Commerce" in translation.gettext("HQ Commerce back office")


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("boss", "boss@example.com", "pw")


def _spanish_page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_admin_index_shows_our_models_in_spanish(client, admin_user):
    page = _spanish_page(client, admin_user, reverse("admin:index"))
    for label in (
        "Estados de sincronización de clientes",
        "Ejecuciones de trabajos",
        "Clientes asincrónicos",
        "Secuencias numéricas",
        "Panel de sincronización",
        "Sede",
    ):
        assert label in page
    english = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customer synchronization status" in english and "Job runs" in english


def test_the_status_page_shows_spanish_columns_actions_and_descriptions(
    client, admin_user, channel, make_async_customer
):
    make_async_customer(channel, contacts=[{"kind": "email", "value": "not-an-email"}])
    pjob_run()
    with translation.override("en"):  # the worker's language (settings.LANGUAGE_CODE)
        customer_sync_run()
    record = AsyncStagingRecord.objects.get()
    assert record.status == StagingStatus.FAILED

    page = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_asyncstagingrecord_changelist")
    )
    assert "Sincronizar los registros seleccionados" in page
    assert "Último error conocido" in page
    assert "Con errores" in page  # the status choice
    assert "Por posible duplicado" in page  # our list filter

    detail = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
    )
    assert "Crear cliente" in detail  # the description of the change
    assert "Corregir los datos" in detail and "Guardar y sincronizar" in detail


def test_the_dashboard_and_job_runs_are_in_spanish(client, admin_user, channel):
    dashboard = _spanish_page(client, admin_user, reverse("admin:dashboard"))
    for label in ("Pendientes por canal", "Pendiente de sincronizar", "Ejecutar", "Convertir"):
        assert label in dashboard

    client.post(
        reverse("admin:dashboard_run"),
        {"kind": "convert", "channel": channel.code},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=False,
    )
    run = JobRun.objects.filter(parent__isnull=True).get()
    page = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_jobrun_change", args=[run.pk])
    )
    assert "Convertir clientes asincrónicos" in page
    assert "Iniciado por" in page
    listing = _spanish_page(client, admin_user, reverse("admin:hqcommerce_jobrun_changelist"))
    assert "Progreso" in listing and "Usuario (administración)" in listing


def test_the_api_answers_validation_errors_in_the_requested_language(channel):
    device = device_client(channel)

    def errors(body: dict, language: str) -> dict[str, str]:
        response = device.post(
            "/api/v1/customers/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        return {e["attr"]: e["detail"] for e in response.json()["errors"]}

    unknown = {"last_name": "Ruiz", "nickname": "Lu"}
    assert errors(unknown, "es") == {"nickname": "Campo desconocido."}
    assert errors(unknown, "en") == {"nickname": "Unknown field."}
    control = {"last_name": "Ru\x01iz"}  # refused by our own shape check
    assert errors(control, "es") == {"last_name": "Contiene caracteres de control."}
    assert errors(control, "en") == {"last_name": "Contains control characters."}
    too_long = {"last_name": "x" * 61}  # refused by DRF, in its own Spanish
    assert "Asegúrese" in errors(too_long, "es")["last_name"]


def test_the_api_answers_domain_errors_in_spanish(channel):
    device = device_client(channel)
    missing = device.get("/api/v1/customers/NOPE/", HTTP_ACCEPT_LANGUAGE="es")
    assert missing.status_code == 404
    assert "No hay ningún cliente 'NOPE'" in missing.json()["errors"][0]["detail"]
    nowhere = device.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="es")
    assert "No hay ningún punto de conexión" in nowhere.json()["errors"][0]["detail"]


def test_commands_speak_the_active_language(db):
    with translation.override("es"), pytest.raises(CommandError) as spanish:
        call_command("run_pjob", "--channel", "NOPE")
    assert "Código(s) de canal desconocido(s): NOPE" in str(spanish.value)
    with translation.override("en"), pytest.raises(CommandError) as english:
        call_command("run_pjob", "--channel", "NOPE")
    assert "Unknown channel code(s): NOPE" in str(english.value)


def test_jobs_write_failure_reasons_in_the_configured_language(
    settings, channel, make_async_customer
):
    settings.LANGUAGE_CODE = "es"
    make_async_customer(channel, first_name="", last_name="", organization_name="")
    pjob_run()

    customer_sync_run()

    record = AsyncStagingRecord.objects.get()
    assert "Una persona necesita un nombre o unos apellidos." in record.last_error
    assert "pulse Guardar y sincronizar." in record.last_error


def test_an_unsupported_language_code_is_refused_at_startup():
    result = subprocess.run(
        [sys.executable, "-c", "import hqcommerce.settings"],
        cwd=ROOT,
        env={"DJANGO_DEBUG": "1", "DJANGO_LANGUAGE_CODE": "fr", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_LANGUAGE_CODE='fr' is not supported" in result.stderr


def test_a_failure_written_in_english_reads_in_each_readers_language(
    client, admin_user, channel, make_async_customer
):
    from channels_app.services.pos import pos_partner_request_create
    from tests.factories import PartnerRequestDataFactory

    make_async_customer(channel, contacts=[{"kind": "email", "value": "not-an-email"}])
    request = pos_partner_request_create(channel=channel, data=PartnerRequestDataFactory())
    pjob_run()
    # As if HQ's rules had changed after the upload: the staged request now breaks one.
    AsyncStagingRecord.objects.filter(operation="partner_request").update(
        payload=PartnerRequestDataFactory(email="sin-arroba")
    )
    from hqcommerce.models.jobs import JobKind, TriggeredBy
    from hqcommerce.services.jobs import job_run_create, job_run_execute

    with translation.override("en"):  # the worker's language
        run = job_run_create(kind=JobKind.CUSTOMER_SYNC, triggered_by=TriggeredBy.SCHEDULE)
        run = job_run_execute(run.pk)
    record = AsyncStagingRecord.objects.get(operation="create")
    assert "is not a valid email address" in record.last_error  # stored: the worker's text
    assert "Contacts 1, value" in record.last_error  # the path in words, not contacts[0]

    detail = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_asyncstagingrecord_change", args=[record.pk])
    )
    assert "no es una dirección de correo electrónico válida" in detail
    assert "Contactos 1, valor" in detail
    assert "pulse Guardar y sincronizar" in detail
    listing = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_asyncstagingrecord_changelist")
    )
    assert "Contactos 1" in listing

    assert "is not a valid email address" in run.error_summary  # the worker's text
    run_page = _spanish_page(
        client, admin_user, reverse("admin:hqcommerce_jobrun_change", args=[run.pk])
    )
    assert "no es una dirección de correo electrónico válida" in run_page
    assert f"?q={record.async_id}" in run_page  # the record still links to its row

    device = device_client(channel)
    staff = APIClient()
    staff.force_authenticate(admin_user)
    spanish_run = staff.get(f"/api/v1/jobs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert "correo electrónico" in spanish_run["error_summary"]
    url = f"/api/v1/partner-requests/{request.async_id}/"
    spanish = device.get(url, HTTP_ACCEPT_LANGUAGE="es").json()
    english = device.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert spanish["status"] == english["status"] == "failed"
    assert "correo" in spanish["last_error"] and "email" in english["last_error"]


def test_a_prospects_duplicate_hint_and_the_site_title_read_in_spanish(client, admin_user, channel):
    from channels_app.services.pos import pos_partner_request_create
    from hqcommerce.services.pipeline import convert_run
    from tests.factories import PartnerRequestDataFactory

    with translation.override("en"):  # the worker's language
        pos_partner_request_create(channel=channel, data=PartnerRequestDataFactory())
        convert_run()
        pos_partner_request_create(
            channel=channel, data=PartnerRequestDataFactory(email="otra@fabrikam.example")
        )
        convert_run()

    page = _spanish_page(client, admin_user, reverse("admin:hqcommerce_prospect_changelist"))
    assert "cliente potencial Fabrikam" in page
    assert "Administración de la sede de Commerce" in page
    assert "Back office" not in page
