import signal
import subprocess
import sys
import time

from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand


class Command(ProjectCommand):
    help = _(
        "Start the web server, one django-q2 worker and the trigger watcher together; "
        "Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)  # `kill` stops both, like Ctrl-C
        manage = [sys.executable, "manage.py"]
        processes = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "watch_triggers"]),
            subprocess.Popen([*manage, "runserver", options["addrport"]]),
        ]
        self.stdout.write(
            _("Web server on http://%(addrport)s/admin/, one worker and the trigger watcher.")
            % {"addrport": options["addrport"]}
        )
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
