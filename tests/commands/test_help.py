"""Every project command answers --help and refuses a bad option, the way an operator types
them: a real `manage.py` process, in English and in Spanish."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
PROJECT_COMMANDS = sorted(
    name for name, app in get_commands().items() if app in {"hqcommerce", "channels_app"}
)


def _manage(*args: str, language: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_LANGUAGE_CODE": language}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _each(calls):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda call: (call, _manage(*call[0], language=call[1])), calls))


def test_the_project_has_its_commands():
    assert {"run_pjob", "run_1010", "sync_async_customers", "seed_demo"} <= set(PROJECT_COMMANDS)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_command_answers_help_with_exit_0(language):
    calls = [((name, "--help"), language) for name in PROJECT_COMMANDS]
    calls.append((("help", "run_pjob"), language))
    for (args, _lang), done in _each(calls):
        assert done.returncode == 0, (args, done.stderr)
        assert "usage:" in done.stdout, args
        assert "Traceback" not in done.stderr, args


def test_commands_help_is_in_the_operators_language():
    done = _manage("run_pjob", "--help", language="es")
    assert "Solo este canal" in done.stdout, done.stdout


def test_every_command_refuses_an_unknown_option_with_exit_2_and_no_traceback():
    calls = [((name, "--no-such-option"), "en") for name in PROJECT_COMMANDS]
    for (args, _lang), done in _each(calls):
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "error:" in done.stderr, args
        assert "Traceback" not in done.stderr, args
