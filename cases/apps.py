from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Mediation cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .web.middleware import record_login

        # A new session starts its idle clock at login, so its first page writes nothing more.
        user_logged_in.connect(record_login, dispatch_uid="cases.web.record_login")
