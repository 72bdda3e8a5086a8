import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from outbox.models import OutboxItem
from outbox.services import outbox_add, outbox_item_run
from submissions.models import Entry
from submissions.services import entry_change_notify, entry_notify
from submissions.thumbnails import entry_thumbnails_make
from tests.factories import EntryFactory, TeamFactory, UserFactory
from tests.files import pdf_bytes, png_bytes, slides

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(running_jam):
    team = TeamFactory(jam=running_jam, name="Othello Team", created_by=UserFactory(email="yeu@example.com"))
    team.memberships.create(user=UserFactory(email="alejandro@example.com"), jam=running_jam)
    entry = EntryFactory(team=team, title="Understanding Othello GPT", authors="Yeu-Tong Lau, Alejandro Acelas")
    entry.slides.save("othello.pdf", ContentFile(pdf_bytes()), save=False)
    entry.save()
    return entry


def exif_rotated_jpeg() -> bytes:
    """A 400x200 landscape JPEG whose EXIF says: show me rotated by 90° (portrait)."""
    image = Image.new("RGB", (400, 200), "navy")
    image.paste((255, 200, 0), (0, 0, 200, 200))  # left half yellow
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_notify_emails_every_member_with_files_link_and_deadline(entry):
    assert entry_notify(entry_id=entry.pk) is True

    (message,) = mail.outbox
    assert sorted(message.to) == ["alejandro@example.com", "yeu@example.com"]
    assert message.subject == f"Your entry “Understanding Othello GPT” is in for {entry.jam.title}"
    assert f"- Slides: othello.pdf ({entry.slides.size / 1024:.1f} KB)" in message.body
    assert f"/jams/{entry.jam.slug}/submit/" in message.body
    assert "until " in message.body
    assert entry.jam.timezone in message.body
    assert message.alternatives[0][1] == "text/html"


def test_notify_twice_sends_once(entry):
    entry_notify(entry_id=entry.pk)
    entry_notify(entry_id=entry.pk)
    assert len(mail.outbox) == 1


def test_notify_a_new_version_does_not_send_the_confirmation_again(entry):
    entry_notify(entry_id=entry.pk)
    Entry.objects.filter(pk=entry.pk).update(version=entry.version + 1)
    entry_notify(entry_id=entry.pk)
    assert len(mail.outbox) == 1


def _edit(client, entry, **changes):
    data = {
        "title": entry.title,
        "abstract": entry.abstract or "An abstract.",
        "authors": entry.authors,
        "team_name": entry.team.name,
        "action": "submit",
        "version": entry.version,
    }
    data.update(changes)
    response = client.post(f"/jams/{entry.jam.slug}/submit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()


def test_edits_send_one_change_note_an_hour_to_the_others_only(entry, client, django_capture_on_commit_callbacks):
    yeu = entry.team.created_by
    Entry.objects.filter(pk=entry.pk).update(notified_version=entry.version)
    entry.refresh_from_db()
    client.force_login(yeu)

    with django_capture_on_commit_callbacks(execute=True):
        _edit(client, entry, title="Othello GPT, revised")
    with django_capture_on_commit_callbacks(execute=True):
        _edit(client, entry, title="Othello GPT, revised again")

    (note,) = mail.outbox
    assert note.to == ["alejandro@example.com"]
    assert note.subject == f"{yeu.display_name} changed your entry “Othello GPT, revised” ({entry.jam.title})"
    assert "Your entry" not in note.subject

    # An hour later, the next edit is announced again.
    Entry.objects.filter(pk=entry.pk).update(change_noted_at=timezone.now() - timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        _edit(client, entry, title="Othello GPT, final")
    assert len(mail.outbox) == 2
    assert "Othello GPT, final" in mail.outbox[1].subject


def test_change_note_task_twice_sends_once(entry):
    Entry.objects.filter(pk=entry.pk).update(version=2)
    kwargs = {"entry_id": entry.pk, "version": 2, "editor_id": entry.team.created_by_id}
    assert entry_change_notify(**kwargs) is True
    Entry.objects.filter(pk=entry.pk).update(change_noted_at=timezone.now() - timedelta(hours=2))
    assert entry_change_notify(**kwargs) is False
    assert len(mail.outbox) == 1


def test_first_submission_through_the_form_confirms_to_everyone(
    client, running_jam, django_capture_on_commit_callbacks
):
    team = TeamFactory(jam=running_jam, name="Fresh")
    team.memberships.create(user=UserFactory(email="second@example.com"), jam=running_jam)
    client.force_login(team.created_by)
    data = {"title": "T", "abstract": "A", "authors": "X", "team_name": "Fresh", "action": "submit"}
    data["slides"] = slides()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jams/{running_jam.slug}/submit/", data)

    (message,) = [m for m in mail.outbox if "is in for" in m.subject]
    assert sorted(message.to) == sorted([team.created_by.email, "second@example.com"])


def test_notify_skips_drafts_and_missing_rows(entry):
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.DRAFT, submitted_at=None)

    assert entry_notify(entry_id=entry.pk) is False
    assert entry_notify(entry_id=987654) is False
    assert mail.outbox == []


def test_notify_retries_through_the_outbox_when_smtp_fails(entry, smtp_sink, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    smtp_sink.refuse_next(1)
    item = outbox_add(
        kind="Entry confirmation", handler="submissions.services.entry_notify", args={"entry_id": entry.pk}
    )

    first, second, third = (outbox_item_run(item_id=item.pk) for _ in range(3))

    item.refresh_from_db()
    assert (first, second, third) == (False, True, False)
    assert (item.state, item.tries) == (OutboxItem.State.SENT, 2)
    assert item.last_error.startswith("SMTP")  # kept after the success, for the record
    assert smtp_sink.refused == 1
    assert len(smtp_sink.messages) == 1


def test_thumbnails_fix_exif_orientation_and_cover_crop(entry):
    entry.image.save("photo.jpg", ContentFile(exif_rotated_jpeg()))

    assert entry_thumbnails_make(entry_id=entry.pk) is True

    entry.refresh_from_db()
    assert entry.thumbnails_ready
    with entry.thumbnail_card.open("rb") as f:
        card = Image.open(io.BytesIO(f.read()))
        card.load()
    with entry.thumbnail_small.open("rb") as f:
        small = Image.open(io.BytesIO(f.read()))
    assert card.size == (640, 360)
    assert small.size == (320, 180)
    # Upright, the picture is portrait: yellow on top, navy below. A cover crop of its
    # middle to 16:9 shows the boundary, so the top row is yellow and the bottom navy.
    top, bottom = card.getpixel((320, 5)), card.getpixel((320, 354))
    assert top[0] > 200 and top[2] < 80
    assert bottom[2] > 80 and bottom[0] < 60


def test_thumbnails_twice_does_nothing_the_second_time(entry):
    entry.image.save("cover.png", ContentFile(png_bytes()))
    entry_thumbnails_make(entry_id=entry.pk)
    entry.refresh_from_db()
    first = entry.thumbnail_card.name

    assert entry_thumbnails_make(entry_id=entry.pk) is False

    entry.refresh_from_db()
    assert entry.thumbnail_card.name == first


def test_thumbnails_of_a_new_image_replace_the_old_ones(entry):
    entry.image.save("cover.png", ContentFile(png_bytes(color="red")))
    entry_thumbnails_make(entry_id=entry.pk)
    entry.refresh_from_db()
    old = [entry.thumbnail_card.name, entry.thumbnail_small.name]
    entry.image.save("cover2.png", ContentFile(png_bytes(color="blue")))

    assert entry_thumbnails_make(entry_id=entry.pk) is True

    entry.refresh_from_db()
    storage = entry.thumbnail_card.storage
    assert entry.thumbnails_of == entry.image.name
    assert not any(storage.exists(name) for name in old)
    assert storage.exists(entry.thumbnail_card.name)


def test_thumbnails_skip_a_missing_row_or_no_image(entry):
    assert entry_thumbnails_make(entry_id=987654) is False
    assert entry_thumbnails_make(entry_id=entry.pk) is False


def test_thumbnails_on_s3_are_read_and_written_through_the_storage_api(entry, s3_storage, s3_server):
    entry.image.save("cover.png", ContentFile(png_bytes()))

    assert entry_thumbnails_make(entry_id=entry.pk) is True

    entry.refresh_from_db()
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=entry.thumbnail_card.name)
    assert head["ContentLength"] > 0
    # A submitted entry's thumbnails are public: under public/ in the same bucket.
    assert entry.thumbnail_card.name.startswith(f"public/jams/{entry.jam.slug}/entries/{entry.pk}/")
