from datetime import timedelta

import pytest
from django.utils import timezone

from jams.models import Phase
from tests.factories import JamFactory, ResourceFactory, SignUpFactory, SpeakerFactory, TestimonialFactory

pytestmark = pytest.mark.django_db


def test_home_lists_running_then_upcoming_then_past(client):
    past = JamFactory.finished(title="Past Jam")
    upcoming = JamFactory.upcoming(title="Upcoming Jam")
    running = JamFactory.running(title="Running Jam")
    judging = JamFactory.judging(title="Judging Jam")

    response = client.get("/")

    assert response.status_code == 200
    jams = response.context["jams"]
    assert (jams.running, jams.upcoming, jams.past) == ([running], [upcoming], [judging, past])
    html = response.content.decode()
    assert html.index("Running Jam") < html.index("Upcoming Jam") < html.index("Judging Jam") < html.index("Past Jam")


def test_jam_page_shows_what_the_seed_page_shows(client):
    jam = JamFactory.running(host="ARENA", description="## About\n\nReverse-engineer **networks**.")
    ResourceFactory(jam=jam, title="Coding GPT-2 from scratch", url="https://colab.example/gpt2")
    SpeakerFactory(jam=jam, name="Neel Nanda", role="Speaker")
    SignUpFactory(jam=jam, user__display_name="Can Rager")
    SignUpFactory(jam=jam, user__display_name="Hidden Person", show_in_list=False)
    TestimonialFactory(jam=jam, name="Alex Foote", quote="A great experience!")

    response = client.get(jam.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hosted by ARENA" in html
    assert "<strong>networks</strong>" in html
    assert 'href="https://colab.example/gpt2"' in html
    assert "Neel Nanda" in html
    assert "Can Rager" in html
    assert "Hidden Person" not in html
    assert response.context["signups"].count == 2
    assert "A great experience!" in html
    assert "Submissions due in" in html
    assert f'href="/jams/{jam.slug}/signup/"' in html


def test_jam_page_countdown_is_rendered_on_the_server(client):
    now = timezone.now()
    jam = JamFactory(
        starts_at=now - timedelta(days=1), submission_deadline=now + timedelta(days=2, hours=3, minutes=4, seconds=30)
    )

    response = client.get(jam.get_absolute_url())
    html = response.content.decode()

    assert response.context["phase"] == Phase.RUNNING
    assert 'data-unit="days">02<' in html
    assert 'data-unit="hours">03<' in html
    assert 'data-unit="minutes">04<' in html
    assert f'data-deadline="{jam.submission_deadline.isoformat()}"' in html
    # The page may come from a cache: the countdown asks the server's clock instead.
    assert "data-server-now" not in html
    assert 'data-time-url="/time"' in html
    assert "<script>" not in html  # no inline script: countdown.js is a static file


def test_jam_page_upcoming_says_starts_in(client):
    jam = JamFactory.upcoming()
    html = client.get(jam.get_absolute_url()).content.decode()
    assert "Starts in</p>" in html


def _in_grace(**kwargs):
    now = timezone.now()
    return JamFactory(
        starts_at=now - timedelta(days=2),
        submission_deadline=now - timedelta(minutes=10),
        grace_minutes=30,
        **kwargs,
    )


def test_jam_page_in_grace_counts_down_to_the_close_and_still_takes_entries(client):
    from tests.factories import SignUpFactory as SignUps

    jam = _in_grace()
    member = SignUps(jam=jam).user
    client.force_login(member)

    response = client.get(jam.get_absolute_url())
    html = response.content.decode()

    assert response.context["phase"] == Phase.GRACE
    assert '<p class="countdown-label" data-countdown-label >Late submissions close in</p>' in html
    assert 'data-unit="minutes">19<' in html or 'data-unit="minutes">20<' in html
    assert f'data-close="{jam.submissions_close_at.isoformat()}"' in html
    assert "Submit entry!" in html
    assert "judge entries" not in html.lower()
    assert "This hackathon ran" in html.split("data-countdown-ended", 1)[1].split("</p>", 1)[0]
    assert "data-countdown-ended hidden" in html
    assert "Judge entries" not in html


def test_home_badge_in_grace_says_late_submissions_not_judging(client):
    _in_grace(title="Grace Jam")

    response = client.get("/")

    assert [jam.title for jam in response.context["jams"].running] == ["Grace Jam"]
    badge = response.content.decode().split('data-testid="jam-phase">', 1)[1].split("<", 1)[0]
    assert badge == "Late submissions"


def test_judge_link_waits_for_judging_to_open(client):
    from tests.factories import JudgeFactory

    jam = _in_grace()
    client.force_login(JudgeFactory(jam=jam).user)

    assert "Judge entries" not in client.get(jam.get_absolute_url()).content.decode()


def test_jam_page_after_results_says_they_are_out(client, django_capture_on_commit_callbacks):
    from judging.services import results_publish

    jam = JamFactory.judging(title="Done Jam")
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(jam=jam)

    html = client.get(jam.get_absolute_url()).content.decode()
    home = client.get("/").content.decode()

    assert "The results are out." in html
    assert "judge" not in html.split("data-countdown-ended", 1)[1].split("</p>", 1)[0].lower()
    assert home.split('data-testid="jam-phase">', 1)[1].split("<", 1)[0] == "Results out"


def test_jam_page_after_deadline_says_it_ran_and_judging_is_open(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    jam = JamFactory(
        timezone="Europe/London",
        starts_at=datetime(2023, 6, 10, 10, tzinfo=london),
        submission_deadline=datetime(2023, 6, 11, 22, tzinfo=london),
        judging_ends_at=timezone.now() + timedelta(days=3),
    )
    html = client.get(jam.get_absolute_url()).content.decode()
    assert (
        "This hackathon ran from June 10th to June 11th 2023. Submissions are closed and the judges are at work."
        in html
    )


def test_jam_page_shows_times_in_the_jams_time_zone(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    jam = JamFactory(
        timezone="America/New_York",
        starts_at=datetime(2030, 1, 5, 14, 0, tzinfo=ZoneInfo("UTC")),
        submission_deadline=datetime(2030, 1, 7, 14, 0, tzinfo=ZoneInfo("UTC")),
        judging_ends_at=datetime(2030, 1, 14, tzinfo=ZoneInfo("UTC")),
    )
    html = client.get(jam.get_absolute_url()).content.decode()
    assert "Sat 5 Jan 2030, 09:00 America/New_York (UTC-5)" in html
    assert '<time datetime="2030-01-05T14:00:00+00:00" data-local-time data-offset="-300">' in html


def test_unknown_jam_is_a_styled_404(client):
    response = client.get("/jams/no-such-jam/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert('x')</script>",
        "[click me](javascript:alert('x'))",
        '<a href="javascript:alert(1)">x</a>',
        '<img src=x onerror="alert(1)">',
    ],
)
def test_markdown_is_rendered_harmless(client, evil):
    jam = JamFactory.running(description=f"Hello\n\n{evil}")
    html = client.get(jam.get_absolute_url()).content.decode()
    description = html.split('class="jam-description', 1)[1].split("</section>", 1)[0]
    assert "<script" not in description
    assert "javascript:" not in description
    assert "onerror" not in description
    assert "Hello" in description


def test_calendar_file_has_the_jam(client):
    jam = JamFactory.running(title="Calendar Jam")
    response = client.get(f"/jams/{jam.slug}/calendar.ics")

    from icalendar import Calendar

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Calendar Jam"
    assert event.decoded("DTSTART") == jam.starts_at.replace(microsecond=0)
    assert event.decoded("DTEND") == jam.submission_deadline.replace(microsecond=0)
    assert str(event["URL"]).endswith(jam.get_absolute_url())


def test_call_to_action_follows_the_phase_and_the_person(client, django_capture_on_commit_callbacks):
    from judging.services import results_publish
    from tests.factories import JudgeFactory, SignUpFactory, UserFactory

    running, judging = JamFactory.running(), JamFactory.judging()
    participant = SignUpFactory(jam=running).user
    judge = JudgeFactory(jam=judging).user

    def cta(jam, user=None):
        if user:
            client.force_login(user)
        else:
            client.logout()
        html = client.get(jam.get_absolute_url()).content.decode()
        return html.split('data-testid="jam-cta"', 1)[1].split("</div>", 1)[0]

    assert "Sign up" in cta(running)
    assert "Submit entry!" in cta(running, participant)
    assert "Judge entries" in cta(judging, judge)
    assert "Judge entries" not in cta(judging, UserFactory())
    assert "See the entries" in cta(judging)
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(jam=judging)
    assert "Results" in cta(judging)


def test_jam_page_shows_the_latest_signups_and_how_many_more(client):
    jam = JamFactory.running()
    for n in range(33):
        SignUpFactory(jam=jam, user__display_name=f"Person {n:02}")
    SignUpFactory(jam=jam, user__display_name="Private Person", show_in_list=False)

    response = client.get(jam.get_absolute_url())
    html = response.content.decode()
    names = html.split('data-testid="signup-list"', 1)[1].split("</ul>", 1)[0]

    assert "Person 32" in names  # the newest first
    assert "Person 03" in names
    assert "Person 02" not in names  # the 31st newest is past the 30 shown
    assert "Private Person" not in html
    assert f'href="/jams/{jam.slug}/signups/" data-testid="signup-more">and 3 more</a>' in html
    assert "34 signed up in all; some keep their names private." in html


def test_the_full_signup_list_is_paginated_and_keeps_private_names_out(client):
    jam = JamFactory.running()
    for n in range(105):
        SignUpFactory(jam=jam, user__display_name=f"Person {n:03}")
    SignUpFactory(jam=jam, user__display_name="Private Person", show_in_list=False)

    first = client.get(f"/jams/{jam.slug}/signups/")
    second = client.get(f"/jams/{jam.slug}/signups/", {"page": 2})

    assert [s.user.display_name for s in first.context["page"]][:2] == ["Person 104", "Person 103"]
    assert len(first.context["page"]) == 100
    assert [s.user.display_name for s in second.context["page"]] == [f"Person {n:03}" for n in reversed(range(5))]
    assert 'href="?page=2"' in first.content.decode()
    assert "1 more keeps their name private." in first.content.decode()
    assert "Private Person" not in first.content.decode() + second.content.decode()


def test_jam_page_shows_prizes_and_criteria_with_weights(client):
    from tests.factories import CriterionFactory, PrizeFactory

    jam = JamFactory.running()
    PrizeFactory(jam=jam, name="First place", description="$1,000")
    CriterionFactory(jam=jam, name="Novelty", weight=3, scale_low=1, scale_high=5)
    CriterionFactory(jam=jam, name="Rigour", weight=1, scale_low=1, scale_high=10)

    html = client.get(jam.get_absolute_url()).content.decode()

    prizes = html.split('data-testid="jam-prizes"', 1)[1].split("</ul>", 1)[0]
    criteria = html.split('data-testid="jam-criteria"', 1)[1].split("</table>", 1)[0]
    assert "<strong>First place</strong>" in prizes
    assert "$1,000" in prizes
    assert '<td>1 to 5</td><td class="text-end">3 (75%)</td>' in criteria
    assert '<td>1 to 10</td><td class="text-end">1 (25%)</td>' in criteria


def test_jam_page_is_composed_above_the_apps(client):
    from django.urls import resolve

    jam = JamFactory.running()

    match = resolve(jam.get_absolute_url())

    assert match.view_name == "jams:detail"
    assert match.func.__module__ == "hackathon.pages"


def test_notebooks_on_colab_get_an_open_in_colab_button(client):
    jam = JamFactory.running()
    colab = "https://colab.research.google.com/drive/abc"
    ResourceFactory(jam=jam, title="Notebook", kind="notebook", url=colab)
    ResourceFactory(jam=jam, title="Paper", kind="paper", url="https://arxiv.org/abs/1")

    html = client.get(jam.get_absolute_url()).content.decode()

    assert html.count('data-testid="open-in-colab"') == 1
    assert f'<a class="btn btn-sm btn-warning mt-2" href="{colab}" rel="noopener" data-testid="open-in-colab">' in html
