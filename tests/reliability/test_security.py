import logging
import os
import subprocess
import sys
from pathlib import Path

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
