import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels_app.logging import MaskPersonalData, mask

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hqcommerce.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-key-from-the-environment-" + "q" * 20,
        "DJANGO_ALLOWED_HOSTS": "hq.example.com",
        "HQ_VAR_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_emails_and_phones_are_masked_in_logs():
    record = logging.LogRecord(
        "hqcommerce",
        logging.WARNING,
        __file__,
        1,
        "customer %s, phone %s, account %s, date %s",
        ("ana.garcia@example.com", "+34 600 11 22 33", "C0000042", "2026-11-27"),
        None,
    )
    MaskPersonalData().filter(record)
    message = record.getMessage()
    assert "ana.garcia" not in message and "600 11 22" not in message
    assert "a***@example.com" in message
    assert "*********33" in message
    assert "C0000042" in message and "2026-11-27" in message


def test_the_configured_handler_masks_what_it_writes():
    from django.conf import settings

    assert "mask_pii" in settings.LOGGING["handlers"]["console"]["filters"]
    assert mask("write to maria@example.org") == "write to m***@example.org"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/health/", {"HTTP_AUTHORIZATION": "Api-Key abc\x00def.ghi"}),
        ("/api/v1/health/", {"HTTP_AUTHORIZATION": "Token abc\x00"}),
        ("/api/v1/customers/?search=%00", {}),
        ("/api/v1/customers/%00/", {}),
        ("/admin/hqcommerce/asyncstagingrecord/?name=%00", {}),
        ("/admin/login/?next=/%00", {}),
    ],
)
def test_a_nul_byte_anywhere_is_a_400_never_a_500(client, admin_user, path, headers):
    """PostgreSQL keeps no NUL in text: a NUL that reached a query would be a 500."""
    client.force_login(admin_user)
    response = client.get(path, **headers)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["errors"][0]["detail"] == "The request contains a NUL character."


def test_the_access_log_masks_emails_and_phones():
    """runserver's request lines go through the same mask as every other log line."""
    from django.conf import settings

    server = settings.LOGGING["loggers"]["django.server"]
    handlers = [settings.LOGGING["handlers"][name] for name in server["handlers"]]
    assert all("mask_pii" in h.get("filters", []) for h in handlers)
    assert not server.get("propagate", True)
