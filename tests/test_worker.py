"""Job workers take a lower CPU priority than the web server (hqcommerce/worker.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django_q.signals import post_spawn

from hqcommerce import worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def priorities(monkeypatch):
    """Fake getpriority/setpriority: the test process keeps its real priority."""
    state = {"nice": 0, "set": []}

    def setpriority(which, who, value):
        state["set"].append(value)
        state["nice"] = value

    monkeypatch.setattr(worker.os, "getpriority", lambda which, who: state["nice"])
    monkeypatch.setattr(worker.os, "setpriority", setpriority)
    return state


def test_a_spawned_worker_lowers_its_priority_to_the_setting(priorities, settings):
    settings.HQ_WORKER_NICE = 12
    post_spawn.send(sender="django_q", proc_name="Worker-1")
    assert priorities["set"] == [12]


def test_a_worker_already_at_a_lower_priority_is_never_raised(priorities, settings):
    settings.HQ_WORKER_NICE = 10
    priorities["nice"] = 15
    assert worker.worker_priority_lower() == 15
    assert priorities["set"] == []


def test_nice_zero_leaves_the_worker_priority_alone(priorities, settings):
    settings.HQ_WORKER_NICE = 0
    assert worker.worker_priority_lower() is None
    assert priorities["set"] == []


def test_a_refused_priority_change_is_logged_and_the_worker_goes_on(monkeypatch, settings, caplog):
    settings.HQ_WORKER_NICE = 10
    monkeypatch.setattr(worker.os, "getpriority", lambda which, who: 0)

    def refuse(which, who, value):
        raise PermissionError("not permitted")

    monkeypatch.setattr(worker.os, "setpriority", refuse)
    assert worker.worker_priority_lower() is None
    assert "could not lower the worker's priority" in caplog.text


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="Unix scheduling priorities")
def test_a_real_worker_process_runs_at_the_configured_nice_value():
    """In a separate process (priorities only go down), as django-q2 spawns a worker."""
    code = (
        "import django, os; django.setup();"
        "from django_q.signals import post_spawn;"
        "post_spawn.send(sender='django_q', proc_name='Worker-1');"
        "print(os.getpriority(os.PRIO_PROCESS, 0))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hqcommerce.settings", "HQ_WORKER_NICE": "7"}
    env.setdefault("DJANGO_DEBUG", "1")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert int(out.stdout.strip().splitlines()[-1]) == max(7, os.getpriority(os.PRIO_PROCESS, 0))


def test_an_out_of_range_nice_value_stops_the_settings_with_a_message():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hqcommerce.settings", "HQ_WORKER_NICE": "40"}
    env.setdefault("DJANGO_DEBUG", "1")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "HQ_WORKER_NICE must be 0..19" in out.stderr
