from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Mediation cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The web list's filter, for the background exports the worker runs (the floors keep
        # cases.documents from importing the web: the web registers it).
        from .services import audit_hooks
        from .web import exports

        exports.register()
        # Sign-ins and set-up changes are audited; axes (an earlier app) has connected its
        # receivers by now, so a failed sign-in's record knows whether it locked.
        audit_hooks.connect()
