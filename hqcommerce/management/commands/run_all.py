import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand
from hqcommerce.services.devices import scale_unit_key_kept
from hqcommerce.settings import channel_database_urls


class Command(ProjectCommand):
    help = _(
        "Start the web server, one django-q2 worker and the trigger watcher together; "
        "Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--scale-unit",
            action="append",
            default=[],
            metavar="CODE=ADDRPORT",
            help=_(
                "Also start a scale unit for channel database CODE on ADDRPORT: its own "
                "process with only that database, HQ's real-time URL and a service key "
                "(kept in var/scale-unit-CODE.key), and no HQ database. Repeatable."
            ),
        )

    def _login_box(self, addrport: str) -> None:
        """The demo admin's login, last on the screen once the servers have said their
        piece (make run), so nobody scrolls back through the migrations for it."""
        path = settings.VAR_DIR / "demo-admin-password.txt"
        if not path.exists():
            return
        time.sleep(3)
        lines = [
            _("Admin:    http://%(addrport)s/admin/") % {"addrport": addrport},
            _("User:     admin"),
            _("Password: %(password)s") % {"password": path.read_text().strip()},
            _("(kept in %(path)s)") % {"path": path},
        ]
        width = max(len(line) for line in lines)
        self.stdout.write("+" + "-" * (width + 2) + "+")
        for line in lines:
            self.stdout.write(f"| {line.ljust(width)} |")
        self.stdout.write("+" + "-" * (width + 2) + "+")

    def _scale_unit(self, spec: str, hq_addrport: str) -> tuple[list[str], dict, str]:
        code, sep, addrport = spec.partition("=")
        code = code.strip().upper()
        urls = channel_database_urls(os.environ.get("CHANNEL_DATABASE_URLS"))
        if not sep or not addrport or code not in urls:
            raise CommandError(
                _("--scale-unit %(spec)r: give CODE=ADDRPORT with CODE one of %(codes)s.")
                % {"spec": spec, "codes": ", ".join(urls)},
                returncode=2,
            )
        secret = scale_unit_key_kept(
            database_code=code, path=settings.VAR_DIR / f"scale-unit-{code.lower()}.key"
        )
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE="hqcommerce.settings_scale_unit",
            CHANNEL_DATABASE_URLS=f"{code}={urls[code]}",
            HQ_REALTIME_URL=f"http://{hq_addrport}/api/rts/v1",
            HQ_REALTIME_KEY=secret,
            HQ_VAR_DIR=str(settings.VAR_DIR / f"scale-unit-{code.lower()}"),
        )
        command = [sys.executable, "manage.py", "runserver", addrport, "--noreload"]
        return command, env, f"{code} http://{addrport}/api/v1/"

    def handle(self, *args, **options):
        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)  # `kill` stops both, like Ctrl-C
        manage = [sys.executable, "manage.py"]
        units = [self._scale_unit(spec, options["addrport"]) for spec in options["scale_unit"]]
        processes = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "watch_triggers"]),
            subprocess.Popen([*manage, "runserver", options["addrport"]]),
        ]
        processes += [subprocess.Popen(command, env=env) for command, env, _where in units]
        self.stdout.write(
            _("Web server on http://%(addrport)s/admin/, one worker and the trigger watcher.")
            % {"addrport": options["addrport"]}
        )
        for _command, _env, where in units:
            self.stdout.write(_("Scale unit %(where)s (no HQ database).") % {"where": where})
        self._login_box(options["addrport"])
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes:
                if p.poll() is None:
                    p.terminate()
            for p in processes:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.stdout.write(_("Stopped."))
