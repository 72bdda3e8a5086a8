"""Share previews of a jam's pages: the OpenGraph and Twitter card tags, and the jam's card,
drawn once per change by the outbox's job and kept in the public storage."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from PIL import Image

from jams.card_drawing import BACKGROUND, CARD_SIZE, INK, MARGIN, CardContent, card_layout, line_box, render_card
from jams.models import Jam, public_storage
from jams.share_cards import jam_card_content, jam_share_card_make, trimmed
from outbox.models import OutboxItem
from outbox.services import outbox_item_run
from tests.factories import JamFactory, UserFactory
from tests.sharetags import SHARE_KEYS, share_tags

pytestmark = pytest.mark.django_db

SITE = "https://jams.example.org"
LONG_TITLE = "Mechanistic anomaly detection, sparse autoencoders and " * 6


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture(params=["system", "bundled"])
def either_font(request, monkeypatch):
    """Run with DejaVu where it is installed, and with the font bundled with Pillow (as on a
    machine without fonts-dejavu-core)."""
    from jams import card_drawing

    if request.param == "bundled":
        monkeypatch.setattr(card_drawing, "DEJAVU", Path("/nonexistent"))
    card_drawing.font.cache_clear()
    yield request.param
    card_drawing.font.cache_clear()


@pytest.fixture
def organizer_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def card_of(jam: Jam) -> Image.Image:
    jam.refresh_from_db()
    with public_storage().open(jam.share_card.name, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def stored_cards() -> list[str]:
    """The names of every card file in the public storage."""
    storage = public_storage()
    if not storage.exists("jams/cards"):
        return []
    folders = storage.listdir("jams/cards")[0]
    return sorted(f"jams/cards/{d}/{f}" for d in folders for f in storage.listdir(f"jams/cards/{d}")[1])


def made(jam: Jam, django_capture_on_commit_callbacks) -> Jam:
    with django_capture_on_commit_callbacks(execute=True):
        assert jam_share_card_make(jam_id=jam.pk) is True
    jam.refresh_from_db()
    return jam


def jam_admin_form(jam: Jam, **changes) -> dict:
    def split(name: str) -> dict:
        value = timezone.localtime(getattr(jam, name), jam.tzinfo)
        return {f"{name}_0": value.strftime("%Y-%m-%d"), f"{name}_1": value.strftime("%H:%M:%S")}

    data = {
        "title": jam.title, "slug": jam.slug, "tagline": jam.tagline, "host": jam.host,
        "description": jam.description, "timezone": jam.timezone,
        **split("starts_at"), **split("submission_deadline"), **split("judging_ends_at"),
        "signups_open": "on", "max_team_size": jam.max_team_size, "grace_minutes": jam.grace_minutes,
        "judging_mode": jam.judging_mode,
        "reviews_per_entry": jam.reviews_per_entry, "ranking_method": jam.ranking_method,
        "resources-TOTAL_FORMS": "0", "resources-INITIAL_FORMS": "0",
        "speakers-TOTAL_FORMS": "0", "speakers-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0", "tracks-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
        "prizes-TOTAL_FORMS": "0", "prizes-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**data, **changes}


def card_jobs(jam: Jam) -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(kind="Share card", args={"jam_id": jam.pk}, is_email=False))


# The tags ------------------------------------------------------------------------------


def test_the_jam_page_has_every_share_tag_with_absolute_urls(running_jam):
    response = Client().get(running_jam.get_absolute_url())

    tags = share_tags(response)
    page_url = f"{SITE}/jams/{running_jam.slug}/"
    assert set(tags) >= SHARE_KEYS
    assert tags["og:title"] == running_jam.title
    assert tags["og:description"] == tags["description"] == "A weekend of research"
    assert tags["og:url"] == tags["canonical"] == page_url
    assert tags["og:type"] == "website"
    assert tags["twitter:card"] == "summary_large_image"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")


def test_until_the_jam_has_a_card_its_pages_show_the_default_card(running_jam):
    tags = share_tags(Client().get(running_jam.get_absolute_url()))

    assert tags["og:image"] == f"{SITE}/static/img/share-default.png"
    assert Client().get("/static/img/share-default.png").status_code == 200


def test_the_default_card_is_a_1200_by_630_png():
    image = Image.open(Path(django_settings.BASE_DIR) / "static" / "img" / "share-default.png")

    assert (image.format, image.size) == ("PNG", CARD_SIZE)


def test_the_jam_page_shows_its_own_card_once_made(running_jam, django_capture_on_commit_callbacks):
    jam = made(running_jam, django_capture_on_commit_callbacks)

    tags = share_tags(Client().get(jam.get_absolute_url()))

    assert tags["og:image"] == f"{SITE}/media/public/{jam.share_card.name}"
    assert tags["og:image"] != f"{SITE}/static/img/share-default.png"


def test_a_description_in_markdown_is_plain_text_trimmed_to_about_200_characters():
    words = "Build **interpretability** tools with [our notebook](https://example.org) & friends. " * 10
    jam = JamFactory.running(tagline="", description=f"# Welcome\n\n{words}\n\n- one\n- two")

    description = share_tags(Client().get(jam.get_absolute_url()))["og:description"]

    assert description.startswith("Welcome Build interpretability tools with our notebook & friends. Build")
    assert len(description) <= 200
    assert description.endswith("…")
    assert not any(mark in description for mark in ("*", "[", "<", "#", "&amp;"))


def test_trimming_cuts_at_a_word():
    assert trimmed("short and sweet") == "short and sweet"
    assert trimmed("one two three four", limit=12) == "one two…"


def test_the_results_page_has_its_own_canonical_url_and_the_jams_card(django_capture_on_commit_callbacks):
    jam = made(JamFactory.finished(), django_capture_on_commit_callbacks)
    jam.results_published_at = timezone.now()
    jam.save()

    tags = share_tags(Client().get(f"/jams/{jam.slug}/results/"))

    assert tags["og:url"] == tags["canonical"] == f"{SITE}/jams/{jam.slug}/results/"
    assert tags["og:title"] == f"Results of {jam.title}"
    assert tags["og:description"] == f"The winners of {jam.title}, hosted by {jam.host}."
    assert tags["og:image"] == f"{SITE}/media/public/{jam.share_card.name}"
    assert tags["twitter:card"] == "summary_large_image"


# The card ------------------------------------------------------------------------------


def test_the_jam_card_is_a_1200_by_630_png(running_jam, django_capture_on_commit_callbacks):
    jam = made(running_jam, django_capture_on_commit_callbacks)

    image = card_of(jam)

    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert jam.share_card.name.startswith("jams/cards/")


def test_the_card_says_the_jams_dates_in_its_zone_labelled():
    jam = JamFactory(
        title="Summer Jam",
        host="Apart",
        timezone="Europe/London",
        starts_at=datetime(2026, 6, 10, 9, 0, tzinfo=UTC),
        submission_deadline=datetime(2026, 6, 12, 17, 0, tzinfo=UTC),
    )

    content = jam_card_content(jam)

    assert content.title == "Summer Jam"
    assert content.details == (
        "Starts Wed 10 Jun 2026, 10:00 Europe/London (UTC+1)",
        "Submissions due Fri 12 Jun 2026, 18:00 Europe/London (UTC+1)",
    )
    assert content.footer == "Hosted by Apart"


def test_each_date_on_the_card_has_its_own_offset_across_a_summer_time_change():
    jam = JamFactory(
        timezone="Europe/London",
        starts_at=datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
        submission_deadline=datetime(2026, 3, 30, 17, 0, tzinfo=UTC),
    )

    starts, due = jam_card_content(jam).details

    assert starts == "Starts Fri 27 Mar 2026, 09:00 Europe/London (UTC+0)"
    assert due == "Submissions due Mon 30 Mar 2026, 18:00 Europe/London (UTC+1)"


def test_a_long_title_wraps_and_every_line_stays_inside_the_card(either_font):
    content = CardContent(
        kicker="Alignment Jams",
        title=LONG_TITLE,
        details=(
            "Starts Wed 10 Jun 2026, 10:00 America/Argentina/Buenos_Aires (UTC-3)",
            "Submissions due Fri 12 Jun 2026, 18:00 America/Argentina/Buenos_Aires (UTC-3)",
        ),
        footer="Hosted by " + "A very long host name " * 10,
    )

    layout = card_layout(content)

    title_lines = [line for line in layout.lines if line.fill == INK]
    assert len(title_lines) > 2  # wrapped
    assert title_lines[-1].text.endswith("…")  # and cut, since it can never fit
    left, top, right, bottom = layout.text_box
    for line in layout.lines:
        x0, y0, x1, y1 = line_box(line)
        # A glyph's ink may start a pixel left of where its line starts (its side bearing).
        assert x0 >= left - 2 and y0 >= top and x1 <= right and y1 <= bottom, line
    boxes = sorted(line_box(line)[1::2] for line in layout.lines)
    assert all(above[1] <= below[0] for above, below in pairwise(boxes))  # no overlaps


def test_a_long_title_leaves_the_cards_margins_empty(either_font):
    image = Image.open(io.BytesIO(render_card(CardContent(kicker="Alignment Jams", title=LONG_TITLE + "W" * 80))))

    width, height = image.size
    margins = [(x, y) for x in range(width - MARGIN + 2, width) for y in range(0, height, 3)]
    margins += [
        (x, y) for x in range(20, width, 3) for y in (*range(0, MARGIN - 8), *range(height - MARGIN + 8, height))
    ]
    assert {image.getpixel(point) for point in margins} == {BACKGROUND}


def test_a_word_longer_than_a_line_is_cut_to_fit(either_font):
    layout = card_layout(CardContent(kicker="Alignment Jams", title="W" * 200))

    right = layout.text_box[2]
    assert all(line_box(line)[2] <= right for line in layout.lines)
    assert len(layout.lines) > 2


# The job -------------------------------------------------------------------------------


def test_changing_the_title_in_the_admin_records_one_card_job(running_jam, organizer_client):
    response = organizer_client.post(
        f"/admin/jams/jam/{running_jam.pk}/change/", jam_admin_form(running_jam, title="Renamed Jam")
    )

    assert response.status_code == 302
    (job,) = card_jobs(running_jam)
    assert (job.handler, job.jam_id) == ("jams.share_cards.jam_share_card_make", running_jam.pk)


def test_saving_the_jam_unchanged_records_no_card_job(
    running_jam, organizer_client, django_capture_on_commit_callbacks
):
    jam = made(running_jam, django_capture_on_commit_callbacks)

    response = organizer_client.post(f"/admin/jams/jam/{jam.pk}/change/", jam_admin_form(jam, tagline="New tagline"))

    assert response.status_code == 302
    assert card_jobs(jam) == []


def test_a_new_jam_made_in_the_admin_gets_a_card_job(organizer_client):
    template = JamFactory.build(slug="brand-new-jam", title="Brand New Jam")

    response = organizer_client.post("/admin/jams/jam/add/", jam_admin_form(template))

    assert response.status_code == 302
    jam = Jam.objects.get(slug="brand-new-jam")
    assert len(card_jobs(jam)) == 1


def test_the_job_draws_the_card_once_and_a_second_run_does_nothing(running_jam, django_capture_on_commit_callbacks):
    jam = made(running_jam, django_capture_on_commit_callbacks)
    name, mark = jam.share_card.name, jam.share_card_of

    assert jam_share_card_make(jam_id=jam.pk) is False

    jam.refresh_from_db()
    assert (jam.share_card.name, jam.share_card_of) == (name, mark)
    assert len(mark) == 64
    assert stored_cards() == [name]


def test_a_title_change_makes_a_new_card_and_deletes_the_old_one_after_commit(
    running_jam, organizer_client, django_capture_on_commit_callbacks
):
    jam = made(running_jam, django_capture_on_commit_callbacks)
    old = jam.share_card.name
    organizer_client.post(f"/admin/jams/jam/{jam.pk}/change/", jam_admin_form(jam, title="Renamed Jam"))
    (job,) = card_jobs(jam)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert outbox_item_run(item_id=job.pk) is True
        jam.refresh_from_db()
        assert public_storage().exists(old)  # not before the new card is recorded for good
    for callback in callbacks:
        callback()

    assert jam.share_card.name != old
    assert stored_cards() == [jam.share_card.name]
    assert OutboxItem.objects.get(pk=job.pk).state == OutboxItem.State.SENT


def test_a_card_drawn_for_a_title_that_changed_meanwhile_is_not_recorded(
    running_jam, django_capture_on_commit_callbacks, monkeypatch
):
    """The job reads the jam, draws, and records only if the jam still says the same:
    here the title changes while the card is drawn, so it draws again with the new one."""
    import jams.share_cards as share_cards

    first_title, drawn = running_jam.title, []

    def render_and_rename(content):
        drawn.append(content.title)
        if len(drawn) == 1:
            Jam.objects.filter(pk=running_jam.pk).update(title="Changed Meanwhile")
        return render_card(content)

    monkeypatch.setattr(share_cards, "render_card", render_and_rename)

    jam = made(running_jam, django_capture_on_commit_callbacks)

    assert drawn == [first_title, "Changed Meanwhile"]
    assert jam.share_card_of == share_cards.jam_card_fingerprint(jam)
    assert stored_cards() == [jam.share_card.name]  # the first drawing was deleted
