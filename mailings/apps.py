from django.apps import AppConfig


class MailingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mailings"
    verbose_name = "Mailings"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the jam-times receiver
