from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from submissions.models import Entry
from tests.factories import EntryFactory, JamFactory, TeamFactory, UserFactory
from tests.files import MB, image, slides, upload
from tests.services import free_port

pytestmark = pytest.mark.django_db

SUCCESS = "You have successfully submitted!"


@pytest.fixture
def member(running_jam):
    person = UserFactory(display_name="Arthur Conmy")
    TeamFactory(jam=running_jam, name="Negative Heads", created_by=person)
    return person


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def submit_url(jam) -> str:
    return f"/jams/{jam.slug}/submit/"


def entry_form(**overrides) -> dict:
    data = {
        "title": "Why Might Negative Name Mover Heads Exist?",
        "abstract": "We form a theory of why Negative Name Mover Heads form in GPT-2 Small.",
        "authors": "Arthur Conmy and Callum McDougall",
        "team_name": "Negative Heads",
        "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "repository_url": "https://github.com/example/negative-heads",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_files() -> list[Path]:
    media = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def text(response) -> str:
    return unescape(response.content.decode())


def test_submit_with_everything_is_submitted_and_says_so(member_client, running_jam, member):
    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), image=image()), follow=True)

    entry = Entry.objects.get()
    assert entry.state == Entry.State.SUBMITTED
    assert entry.is_late is False
    assert entry.submitted_at is not None
    assert entry.updated_by == member
    assert entry.team.name == "Negative Heads"
    assert entry.slides.name.startswith(f"jams/{running_jam.slug}/entries/{entry.pk}/")
    assert entry.slides.name.endswith("-slides.pdf")
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert SUCCESS in text(response)


def test_submit_form_prefills_authors_from_the_members(member_client, running_jam):
    response = member_client.get(submit_url(running_jam))
    assert response.status_code == 200
    assert response.context["form"]["authors"].value() == "Arthur Conmy"
    assert response.context["form"]["team_name"].value() == "Negative Heads"


def test_save_draft_keeps_whatever_is_filled_in(member_client, running_jam):
    response = member_client.post(submit_url(running_jam), {"title": "Half an idea", "action": "draft"}, follow=True)

    entry = Entry.objects.get()
    assert entry.state == Entry.State.DRAFT
    assert entry.title == "Half an idea"
    assert "Draft saved. Only your team can see it until you submit." in text(response)


def test_submit_without_the_required_parts_says_what_is_missing(member_client, running_jam):
    response = member_client.post(submit_url(running_jam), entry_form(abstract="", authors=""))

    assert response.status_code == 400
    assert "To submit, your entry needs an abstract, the authors and slides." in text(response)
    assert 'value="Why Might Negative Name Mover Heads Exist?"' in text(response)
    assert not Entry.objects.exists()
    assert stored_files() == []


def test_submit_a_draft_later_uses_the_saved_slides(member_client, running_jam):
    member_client.post(submit_url(running_jam), entry_form(action="draft", slides=slides()))
    draft = Entry.objects.get()

    member_client.post(submit_url(running_jam), entry_form(version=draft.version))

    draft.refresh_from_db()
    assert draft.state == Entry.State.SUBMITTED
    assert draft.slides


def test_slides_of_exactly_10_mb_are_accepted(member_client, running_jam):
    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(size=10 * MB)))
    assert response.status_code == 302
    assert Entry.objects.get().slides.size == 10 * MB


def test_slides_one_byte_over_are_refused_and_the_form_keeps_its_values(member_client, running_jam):
    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(size=10 * MB + 1), image=image()))

    html = text(response)
    assert response.status_code == 400
    assert "Slides must be 10 MB or smaller (yours is 10,485,761 bytes)." in html
    assert 'value="Why Might Negative Name Mover Heads Exist?"' in html
    assert "We form a theory of why Negative Name Mover Heads form in GPT-2 Small." in html
    assert 'value="https://github.com/example/negative-heads"' in html
    assert not Entry.objects.exists()
    assert stored_files() == []


def test_a_renamed_executable_is_refused(member_client, running_jam):
    exe = upload("slides.pdf", b"MZ\x90\x00\x03" + b"\x00" * 500)
    response = member_client.post(submit_url(running_jam), entry_form(slides=exe))
    assert response.status_code == 400
    assert "this file's content is none of those" in text(response)
    assert not Entry.objects.exists()


def test_a_decompression_bomb_is_refused(member_client, running_jam):
    from tests.files import decompression_bomb_png

    bomb = upload("cover.png", decompression_bomb_png(), "image/png")
    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), image=bomb))
    assert response.status_code == 400
    assert "The project image may have at most 40 megapixels." in text(response)
    assert not Entry.objects.exists()


def test_links_must_be_https(member_client, running_jam):
    response = member_client.post(
        submit_url(running_jam), entry_form(slides=slides(), video_url="http://example.com/v")
    )
    assert "Please give an https:// link." in text(response)
    assert not Entry.objects.exists()


def test_edit_and_resubmit_until_the_deadline(member_client, running_jam):
    member_client.post(submit_url(running_jam), entry_form(slides=slides()))
    entry = Entry.objects.get()

    member_client.post(submit_url(running_jam), entry_form(title="A better title", version=entry.version))

    entry.refresh_from_db()
    assert entry.title == "A better title"
    assert entry.version == 2
    assert entry.state == Entry.State.SUBMITTED


def test_replacing_slides_removes_the_old_file_after_commit(
    member_client, running_jam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(submit_url(running_jam), entry_form(slides=slides(name="first.pdf")))
    entry = Entry.objects.get()
    first = entry.slides.name

    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(submit_url(running_jam), entry_form(slides=slides(name="second.pdf"), version=entry.version))

    entry.refresh_from_db()
    assert entry.slides.name.endswith("-second.pdf")
    assert not entry.slides.storage.exists(first)
    assert entry.slides.storage.exists(entry.slides.name)


def test_an_edit_after_the_deadline_is_refused_and_changes_nothing(client):
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=1))
    entry = EntryFactory(team=TeamFactory(jam=jam), title="Final")
    client.force_login(entry.team.created_by)

    page = client.get(submit_url(jam))
    response = client.post(submit_url(jam), entry_form(title="Sneaky", slides=slides(), version=entry.version))

    entry.refresh_from_db()
    assert "Your entry can no longer be changed." in text(page)
    assert 'name="title"' not in text(page)
    assert response.status_code == 403
    assert entry.title == "Final"
    assert entry.version == 1
    assert stored_files() == []


def test_the_grace_period_accepts_late_entries_and_marks_them(client):
    now = timezone.now()
    jam = JamFactory(
        starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=5), grace_minutes=15
    )
    team = TeamFactory(jam=jam)
    client.force_login(team.created_by)

    response = client.post(submit_url(jam), entry_form(slides=slides(), team_name=team.name))

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert entry.is_late is True
    assert entry.is_submitted


def test_an_on_time_entry_edited_in_the_grace_period_stays_on_time(client):
    now = timezone.now()
    jam = JamFactory(
        starts_at=now - timedelta(days=2), submission_deadline=now + timedelta(minutes=5), grace_minutes=15
    )
    team = TeamFactory(jam=jam)
    client.force_login(team.created_by)
    client.post(submit_url(jam), entry_form(slides=slides(), team_name=team.name))
    entry = Entry.objects.get()
    first_submitted_at = entry.submitted_at
    Jam = type(jam)
    Jam.objects.filter(pk=jam.pk).update(
        starts_at=now - timedelta(days=2, minutes=10), submission_deadline=now - timedelta(minutes=5)
    )

    response = client.post(
        submit_url(jam), entry_form(title="Edited in grace", team_name=team.name, version=entry.version)
    )

    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.title == "Edited in grace"
    assert entry.is_late is False
    assert entry.submitted_at == first_submitted_at


def test_before_the_jam_starts_nothing_can_be_submitted(client):
    jam = JamFactory.upcoming()
    team = TeamFactory(jam=jam)
    client.force_login(team.created_by)

    response = client.post(submit_url(jam), entry_form(slides=slides()))

    assert response.status_code == 403
    assert f"Submissions open when {jam.title} starts." in text(response)
    assert not Entry.objects.exists()


def test_a_stranger_cannot_edit_a_teams_entry(client, running_jam, member):
    entry = EntryFactory(team=member.team_memberships.get().team, title="Ours")
    stranger = UserFactory()
    client.force_login(stranger)

    response = client.post(submit_url(running_jam), entry_form(title="Theirs", version=entry.version))

    entry.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/jams/{running_jam.slug}/team/"
    assert entry.title == "Ours"
    assert Entry.objects.count() == 1


def test_a_visitor_is_sent_to_log_in(client, running_jam):
    response = client.post(submit_url(running_jam), entry_form())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Entry.objects.exists()


def test_a_concurrent_edit_is_reported_and_nothing_is_overwritten(client, running_jam, member):
    teammate = UserFactory(display_name="Callum McDougall")
    team = member.team_memberships.get().team
    team.memberships.create(user=teammate, jam=running_jam)
    entry = EntryFactory(team=team, title="Original", state=Entry.State.DRAFT, submitted_at=None)
    opened_at = entry.version
    client.force_login(teammate)
    client.post(submit_url(running_jam), entry_form(title="Callum's title", action="draft", version=opened_at))
    client.force_login(member)

    response = client.post(
        submit_url(running_jam), entry_form(title="Arthur's title", slides=slides(), version=opened_at)
    )

    entry.refresh_from_db()
    html = text(response)
    assert response.status_code == 409
    assert entry.title == "Callum's title"
    assert "Callum McDougall changed this entry at" in html
    assert "your changes were not saved" in html
    assert 'value="Callum\'s title"' in html
    assert response.context["form"]["version"].value() == entry.version
    assert not entry.slides
    assert stored_files() == []


def test_storage_down_is_reported_with_no_row_and_the_form_kept(member_client, running_jam, s3_server, settings):
    down = s3_server.storage_setting()
    down["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": down}

    response = member_client.post(submit_url(running_jam), entry_form(slides=slides(), image=image()))

    html = text(response)
    assert response.status_code == 503
    assert "We couldn't store your files just now, so nothing was saved." in html
    assert 'value="Why Might Negative Name Mover Heads Exist?"' in html
    assert not Entry.objects.exists()


def test_once_submitted_the_form_says_edit_your_entry_and_the_entry_page_links_to_it(member_client, running_jam):
    assert "Submit your project" in text(member_client.get(submit_url(running_jam)))
    member_client.post(submit_url(running_jam), entry_form(slides=slides()))
    entry = Entry.objects.get()

    form_page = text(member_client.get(submit_url(running_jam)))
    entry_page = text(member_client.get(entry.get_absolute_url()))

    assert '<h1 class="h3">Edit your entry</h1>' in form_page
    assert f'href="{submit_url(running_jam)}" data-testid="entry-edit">Edit</a>' in entry_page


def test_an_abstract_renders_safe_markdown_with_clickable_links(client, running_jam):
    entry = EntryFactory(
        team__jam=running_jam,
        abstract="See [our paper](https://example.com/paper) and **bold** <script>alert(1)</script>",
    )

    html = client.get(entry.get_absolute_url()).content.decode()
    abstract = html.split('data-testid="entry-abstract">', 1)[1].split("</div>", 1)[0]

    assert '<a href="https://example.com/paper"' in abstract
    assert "<strong>bold</strong>" in abstract
    assert "<script>" not in abstract
