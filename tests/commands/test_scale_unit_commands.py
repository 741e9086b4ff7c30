"""The commands that set up scale units: service keys and the demo's sync-mode store."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from channels_app.models import Store
from hqcommerce.models import Channel, ChannelDatabase, ScaleUnitKey
from hqcommerce.services.devices import scale_unit_key_kept

pytestmark = pytest.mark.django_db


def test_create_scale_unit_key_prints_a_key_that_hq_accepts_once_hashed():
    out, err = StringIO(), StringIO()
    call_command(
        "create_scale_unit_key", "--database", "eu", "--name", "su-eu", stdout=out, stderr=err
    )

    secret = out.getvalue().strip()
    key = ScaleUnitKey.objects.get()
    assert key.channel_database.code == "EU"
    assert key.is_valid(secret)
    assert secret not in key.hashed_key
    assert "not shown again" in err.getvalue()


def test_create_scale_unit_key_refuses_an_unknown_database_with_exit_2():
    with pytest.raises(CommandError) as excinfo:
        call_command("create_scale_unit_key", "--database", "MARS", "--name", "x")
    assert excinfo.value.returncode == 2
    assert "MARS" in str(excinfo.value)
    assert not ScaleUnitKey.objects.exists()


def test_a_kept_service_key_is_reused_and_made_again_once_revoked(tmp_path):
    path = tmp_path / "scale-unit-eu.key"
    first = scale_unit_key_kept(database_code="EU", path=path)
    assert scale_unit_key_kept(database_code="EU", path=path) == first
    assert path.stat().st_mode & 0o077 == 0  # the owner's only

    ScaleUnitKey.objects.update(revoked=True)
    again = scale_unit_key_kept(database_code="EU", path=path)

    assert again != first
    assert path.read_text().strip() == again
    assert ScaleUnitKey.objects.filter(revoked=False).count() == 1


def test_seed_demo_adds_a_sync_mode_store_to_a_channel_database_once():
    call_command("seed_demo", "--sync-store-in", "EU", stdout=StringIO())
    call_command("seed_demo", "--sync-store-in", "EU", stdout=StringIO())

    store = Channel.objects.get(code="EU01")
    assert store.channel_database == ChannelDatabase.objects.get(code="EU")
    assert not store.profile.create_customer_async
    assert Store.objects.using(store.database_alias).filter(code="EU01").exists()
    assert Channel.objects.count() == 1  # nothing else seeded


def test_run_all_refuses_a_scale_unit_of_an_unknown_database():
    with pytest.raises(CommandError) as excinfo:
        call_command("run_all", "--scale-unit", "MARS=127.0.0.1:9")
    assert excinfo.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_stops_the_trigger_watcher_quietly():
    """Ctrl-C on `make run` reaches every process: the watcher stops like the others, with
    no traceback."""
    import signal
    import time

    from tests.reliability.helpers import start

    watcher = start("watch_triggers")
    started = watcher.stdout.readline()  # said once it is set up, before its first poll
    assert "Watching the channel databases" in started, started
    time.sleep(1)  # polling
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=30)

    assert watcher.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_a_command_without_its_settings_says_what_to_set_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.reliability.helpers import ROOT

    if (ROOT / ".env").exists():
        pytest.skip("this checkout has a .env (make run wrote it): DEBUG is on here")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HQ_"))}
    env.update(DJANGO_SETTINGS_MODULE="hqcommerce.settings", HQ_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "create_device_key", "--channel", "X", "--name", "Y"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_checkouts_env_file_fills_only_what_is_not_set(tmp_path, monkeypatch):
    import importlib.util

    from tests.reliability.helpers import ROOT

    spec = importlib.util.spec_from_file_location("manage_py", ROOT / "manage.py")
    manage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(manage)
    env_file = tmp_path / ".env"
    env_file.write_text("# written by make run\nDJANGO_DEBUG=1\nHQ_API_RATE=5/min\n")
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    monkeypatch.setenv("HQ_API_RATE", "9/min")

    manage.load_env_file(env_file)

    import os

    assert os.environ["DJANGO_DEBUG"] == "1"
    assert os.environ["HQ_API_RATE"] == "9/min"  # what is set wins
