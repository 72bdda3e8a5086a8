from django.apps import AppConfig


class JudgingConfig(AppConfig):
    name = "judging"

    def ready(self) -> None:
        # jams and submissions never import judging: judging tells them why a track may
        # not be deleted, and why an entry may not leave a track.
        from jams.services import track_delete_check_register
        from submissions.services import entry_tracks_check_register

        from .selectors import track_delete_refusal
        from .services import entry_tracks_refusal

        track_delete_check_register(track_delete_refusal)
        entry_tracks_check_register(entry_tracks_refusal)
