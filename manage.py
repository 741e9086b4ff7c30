#!/usr/bin/env python
import os
import sys
from pathlib import Path

# `make run` writes .env (DJANGO_DEBUG=1 for a checkout), so a command run by hand from the
# same checkout works without repeating the environment; a variable already set wins.
ENV_FILE = Path(__file__).resolve().parent / ".env"


def load_env_file(path: Path = ENV_FILE) -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


if __name__ == "__main__":
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hqcommerce.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a setting to fix: one line, not a traceback
        sys.stderr.write(f"manage.py: {exc}\n")
        sys.exit(2)
