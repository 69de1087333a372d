from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web UI as an app of its own, so that what it connects stays in ``cases.web``."""

    name = "cases.web"
    label = "cases_web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import record_language, record_login

        # A new session starts its idle clock at login, so its first page writes nothing more.
        user_logged_in.connect(record_login, dispatch_uid="cases.web.record_login")
        # The session speaks the language the user chose on their profile.
        user_logged_in.connect(record_language, dispatch_uid="cases.web.record_language")
