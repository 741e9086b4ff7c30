import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from hqcommerce.management.base import ProjectCommand


class Command(ProjectCommand):
    help = _("Create the demo superuser 'admin' once and print its password (kept in var/).")

    def handle(self, *args, **options):
        path = settings.VAR_DIR / "demo-admin-password.txt"
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        if user is not None and path.exists():
            password = path.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            if user is None:
                User.objects.create_superuser("admin", "admin@example.com", password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(password + "\n")
            path.chmod(0o600)
        self.stdout.write(_("Admin login: admin / %(password)s") % {"password": password})
