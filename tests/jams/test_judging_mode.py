"""The jam's judging mode in the admin: it switches before judging opens, and after that
the form refuses, says why, and saves nothing."""

from __future__ import annotations

import pytest

from jams.models import Jam
from tests.factories import JamFactory
from tests.jams.test_admin import _jam_dates_form

pytestmark = pytest.mark.django_db


def change_form(jam: Jam, mode: str) -> dict:
    """The jam's change form as saved, with the judging mode chosen."""
    zone = jam.tzinfo

    def typed(when):
        local = when.astimezone(zone)
        return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")

    data = _jam_dates_form(
        jam.timezone, typed(jam.starts_at), typed(jam.submission_deadline), typed(jam.judging_ends_at)
    )
    return {**data, "slug": jam.slug, "title": jam.title, "judging_mode": mode}


def test_mode_switches_before_judging_opens(client, organizer):
    jam = JamFactory.running()

    response = client.post(f"/admin/jams/jam/{jam.pk}/change/", change_form(jam, "pairwise"))

    assert response.status_code == 302
    assert Jam.objects.get(pk=jam.pk).judging_mode == Jam.JudgingMode.PAIRWISE


def test_mode_switch_refused_once_judging_opened(client, organizer):
    jam = JamFactory.judging(title="Open Jam")

    response = client.post(f"/admin/jams/jam/{jam.pk}/change/", change_form(jam, "pairwise"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["judging_mode"]
    assert len(errors) == 1
    assert "so the judging mode can't change any more" in errors[0]
    assert "Rubric" in errors[0]
    assert Jam.objects.get(pk=jam.pk).judging_mode == Jam.JudgingMode.RUBRIC
    # Saving the jam with its mode unchanged still works after judging opened.
    assert client.post(f"/admin/jams/jam/{jam.pk}/change/", change_form(jam, "rubric")).status_code == 302
