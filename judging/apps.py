from django.apps import AppConfig


class JudgingConfig(AppConfig):
    name = "judging"

    def ready(self) -> None:
        # jams never imports judging: judging tells it why a track may not be deleted.
        from jams.services import track_delete_check_register

        from .selectors import track_delete_refusal

        track_delete_check_register(track_delete_refusal)
