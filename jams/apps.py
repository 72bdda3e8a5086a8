from django.apps import AppConfig


class JamsConfig(AppConfig):
    name = "jams"
    verbose_name = "Jams"
