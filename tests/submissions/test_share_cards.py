"""Share previews of an entry's page: the tags, and the entry's card (its title, team and
thumbnail), drawn once per change by the outbox's job; drafts get neither."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from jams.card_drawing import PICTURE_SIZE, card_layout
from jams.models import public_storage
from outbox.models import OutboxItem
from outbox.services import outbox_add, outbox_item_run
from submissions.models import Entry
from submissions.services import EntryFiles, entry_save
from submissions.share_cards import entry_card_content, entry_card_fingerprint, entry_share_card_make
from submissions.thumbnails import entry_thumbnails_make
from tests.factories import EntryFactory, TeamFactory
from tests.files import png_bytes
from tests.sharetags import SHARE_KEYS, share_tags

pytestmark = pytest.mark.django_db

SITE = "https://jams.example.org"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def entry(running_jam) -> Entry:
    team = TeamFactory(jam=running_jam, name="Team Otter")
    return EntryFactory(
        team=team,
        title="Sycophancy evals",
        abstract="We count **how often** models agree.",
        slides="jams/x/entries/1/slides.pdf",  # complete, so it stays submitted through saves
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def card_jobs(entry: Entry) -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(kind="Share card", args={"entry_id": entry.pk}, is_email=False))


def card_image(entry: Entry) -> Image.Image:
    entry.refresh_from_db()
    with public_storage().open(entry.share_card.name, "rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def save(entry: Entry, commit, *, submit: bool = False, **data) -> Entry:
    """The entry form's save, as its team's creator, with its on-commit work run."""
    member = entry.team.created_by
    commit(
        lambda: entry_save(
            team=entry.team, user=member, data=data, files=EntryFiles(), version=entry.version, submit=submit
        )
    )
    entry.refresh_from_db()
    return entry


# The tags ------------------------------------------------------------------------------


def test_a_submitted_entrys_page_has_every_share_tag(entry):
    tags = share_tags(Client().get(entry.get_absolute_url()))

    page_url = f"{SITE}/jams/{entry.jam.slug}/entries/{entry.pk}/"
    assert set(tags) >= SHARE_KEYS
    assert tags["og:title"] == "Sycophancy evals"
    assert tags["og:description"] == "We count how often models agree."
    assert tags["og:url"] == tags["canonical"] == page_url
    assert tags["og:type"] == "article"
    assert tags["og:image"] == f"{SITE}/static/img/share-default.png"  # until it, or its jam, has a card
    assert tags["twitter:card"] == "summary_large_image"


def test_the_entry_page_shows_its_card_once_made(entry, commit):
    assert commit(lambda: entry_share_card_make(entry_id=entry.pk)) is True
    entry.refresh_from_db()

    tags = share_tags(Client().get(entry.get_absolute_url()))

    assert tags["og:image"] == f"{SITE}/media/public/{entry.share_card.name}"


def test_a_draft_has_no_share_tags(running_jam, client):
    draft = EntryFactory(team=TeamFactory(jam=running_jam), state=Entry.State.DRAFT, submitted_at=None)
    client.force_login(draft.team.created_by)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    tags = share_tags(response)
    assert [key for key in tags if key.startswith(("og:", "twitter:")) or key == "canonical"] == []


# The card ------------------------------------------------------------------------------


def test_the_entry_card_is_a_1200_by_630_png_with_its_title_and_team(entry, commit):
    assert commit(lambda: entry_share_card_make(entry_id=entry.pk)) is True

    image = card_image(entry)
    content = entry_card_content(entry)

    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert (content.title, content.details) == ("Sycophancy evals", ("by Team Otter",))
    assert entry.share_card.name.startswith(f"jams/{entry.jam.slug}/entries/{entry.pk}/")


def test_the_entry_card_shows_its_thumbnail(entry, commit):
    entry.image.save("cover.png", ContentFile(png_bytes(color=(200, 30, 30))), save=True)

    commit(lambda: entry_thumbnails_make(entry_id=entry.pk))  # records the card job, which runs

    image = card_image(entry)
    left, top, right, bottom = card_layout(entry_card_content(entry, picture=Image.new("RGB", (1, 1)))).picture_box
    red, green, blue = image.getpixel(((left + right) // 2, (top + bottom) // 2))
    assert (right - left, bottom - top) == PICTURE_SIZE
    assert red > 180 and green < 60 and blue < 60
    assert len(card_jobs(entry)) == 1


def test_submitting_records_one_card_job_and_a_second_run_does_nothing(running_jam, django_capture_on_commit_callbacks):
    team = TeamFactory(jam=running_jam, name="Team Otter")
    data = {"title": "Sycophancy evals", "abstract": "A", "authors": "B"}
    entry = EntryFactory(team=team, state=Entry.State.DRAFT, submitted_at=None, slides="jams/x/slides.pdf", **data)

    with django_capture_on_commit_callbacks(execute=False):
        entry_save(team=team, user=team.created_by, data=data, files=EntryFiles(), version=entry.version, submit=True)
    (job,) = card_jobs(entry)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_item_run(item_id=job.pk) is True
    entry.refresh_from_db()
    name, mark = entry.share_card.name, entry.share_card_of

    assert entry_share_card_make(entry_id=entry.pk) is False
    entry.refresh_from_db()
    assert (entry.share_card.name, entry.share_card_of) == (name, mark)
    assert public_storage().exists(name)


def test_saving_an_unchanged_entry_records_no_card_job(entry, commit):
    commit(lambda: entry_share_card_make(entry_id=entry.pk))

    save(entry, commit, abstract="A new abstract, which the card doesn't show.")

    assert card_jobs(entry) == []


def test_a_title_change_records_a_new_card_and_deletes_the_old_one(entry, commit):
    commit(lambda: entry_share_card_make(entry_id=entry.pk))
    old = Entry.objects.get(pk=entry.pk).share_card.name

    entry = save(entry, commit, title="Sycophancy evals, revised")  # the job runs on commit

    assert len(card_jobs(entry)) == 1
    assert entry.share_card.name != old
    assert entry.share_card_of == entry_card_fingerprint(entry)
    assert public_storage().exists(entry.share_card.name)
    assert not public_storage().exists(old)
    assert share_tags(Client().get(entry.get_absolute_url()))["og:image"].endswith(entry.share_card.name)


def test_a_team_rename_records_a_new_card(entry, commit):
    commit(lambda: entry_share_card_make(entry_id=entry.pk))

    entry = save(entry, commit, team_name="Team Beaver")

    assert len(card_jobs(entry)) == 1
    assert entry_card_content(entry).details == ("by Team Beaver",)
    assert entry.share_card_of is not None
    assert entry_share_card_make(entry_id=entry.pk) is False  # drawn already, with the new name


def test_a_draft_gets_no_card_and_no_card_job(running_jam, commit):
    draft = EntryFactory(team=TeamFactory(jam=running_jam), state=Entry.State.DRAFT, submitted_at=None)

    draft = save(draft, commit, title="Work in progress")

    assert card_jobs(draft) == []
    assert entry_share_card_make(entry_id=draft.pk) is False
    assert not draft.share_card


def test_an_entry_made_a_draft_again_loses_its_card(entry, commit, client):
    commit(lambda: entry_share_card_make(entry_id=entry.pk))
    old = Entry.objects.get(pk=entry.pk).share_card.name
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.DRAFT, submitted_at=None)

    assert commit(lambda: entry_share_card_make(entry_id=entry.pk)) is True

    entry.refresh_from_db()
    assert not entry.share_card
    assert entry.share_card_of is None
    assert not public_storage().exists(old)


# The worker ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_draws_the_entrys_card_into_the_public_storage(celery_worker, running_jam, s3_server):
    from tests.services import wait_until

    team = TeamFactory(jam=running_jam, name="Team Otter")
    entry = EntryFactory(team=team, title="Drawn by the worker")

    # Committed at once (a transactional test): the worker gets it as after a request.
    item = outbox_add(
        kind="Share card",
        handler="submissions.share_cards.entry_share_card_make",
        args={"entry_id": entry.pk},
        jam_id=running_jam.pk,
        is_email=False,
    )

    assert wait_until(lambda: OutboxItem.objects.filter(pk=item.pk, state=OutboxItem.State.SENT).exists(), timeout=30)
    entry.refresh_from_db()
    key = f"public/{entry.share_card.name}"
    s3 = s3_server.client()
    head = s3.head_object(Bucket=s3_server.bucket, Key=key)
    stored = s3.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read()
    assert (head["ContentType"], head["CacheControl"]) == ("image/png", IMMUTABLE)
    assert Image.open(io.BytesIO(stored)).size == (1200, 630)
    tags = share_tags(Client().get(entry.get_absolute_url()))
    assert tags["og:image"] == f"{s3_server.endpoint_url}/{s3_server.bucket}/{key}"
