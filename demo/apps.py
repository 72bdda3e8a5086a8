from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (`manage.py seed_demo`). It sits above every domain app:
    it may import them all, and none of them imports it."""

    name = "demo"
    verbose_name = "Demo data"
