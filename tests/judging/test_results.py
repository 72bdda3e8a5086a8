from html import unescape

import pytest
from django.core.exceptions import ValidationError

from judging.models import Award, ResultsNotice
from judging.services import AlreadyPublished, results_notice_send, results_publish, review_save
from tests.factories import EntryFactory, JudgeFactory, PrizeFactory, SignUpFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def scored(judging_jam, entries):
    """Two judges scored every entry; Entry 0 has feedback and a private note."""
    criteria = list(judging_jam.criteria.order_by("order"))
    for offset, judge in enumerate([JudgeFactory(jam=judging_jam), JudgeFactory(jam=judging_jam)]):
        for i, entry in enumerate(entries):
            review_save(
                judge=judge,
                entry=entry,
                scores={criteria[0].pk: 5 - i, criteria[1].pk: min(5, 3 + offset)},
                feedback=f"Feedback {offset} for {entry.title}",
                private_note=f"Private {offset} about {entry.title}",
            )
    return entries


def test_results_page_before_publication_says_not_yet(client, judging_jam, scored):
    response = client.get(f"/jams/{judging_jam.slug}/results/")
    assert "The results are not out yet." in text(response)
    assert "Entry 0" not in text(response)


def test_scores_and_feedback_stay_hidden_from_the_team_until_publication(client, judging_jam, scored):
    client.force_login(scored[0].team.created_by)
    html = text(client.get(scored[0].get_absolute_url()))
    assert "Feedback 0 for Entry 0" not in html
    assert "The judges' verdict" not in html


def test_publish_records_the_time_and_emails_every_participant_once(
    judging_jam, scored, django_capture_on_commit_callbacks, mailoutbox
):
    SignUpFactory(jam=judging_jam, user=UserFactory(email="watcher@example.com"))
    participants = set(judging_jam.signups.values_list("user__email", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        results_publish(jam=judging_jam)
    user_ids = judging_jam.signups.values_list("user_id", flat=True)
    again = [results_notice_send(jam_id=judging_jam.pk, user_id=user_id) for user_id in user_ids]

    judging_jam.refresh_from_db()
    assert judging_jam.results_published_at is not None
    assert {m.to[0] for m in mailoutbox} == participants
    assert len(mailoutbox) == len(participants)
    assert mailoutbox[0].subject == f"The results of {judging_jam.title} are out"
    assert again == [False] * len(participants)
    assert ResultsNotice.objects.filter(jam=judging_jam).count() == len(participants)


def test_publishing_twice_is_refused_and_changes_nothing(judging_jam, scored, mailoutbox):
    results_publish(jam=judging_jam)
    judging_jam.refresh_from_db()
    first = judging_jam.results_published_at

    with pytest.raises(AlreadyPublished, match="were already published"):
        results_publish(jam=judging_jam)

    judging_jam.refresh_from_db()
    assert judging_jam.results_published_at == first


def test_announcement_retries_after_smtp_fails_and_tells_everyone_once(judging_jam, scored, smtp_sink, settings):
    from outbox.models import OutboxItem
    from outbox.services import outbox_item_run

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    results_publish(jam=judging_jam)
    people = sorted(judging_jam.signups.values_list("user__email", flat=True))
    items = OutboxItem.objects.filter(jam=judging_jam, kind="Results announcement")
    smtp_sink.refuse_next(2)

    for _ in range(2):  # each item at once, then again (the sweep, after the back-off)
        for item in items:
            outbox_item_run(item_id=item.pk)

    assert sorted(items.values_list("recipients", flat=True)) == people
    assert set(items.values_list("state", flat=True)) == {OutboxItem.State.SENT}
    assert smtp_sink.refused == 2
    assert sorted(m["To"] for m in smtp_sink.messages) == people
    assert [results_notice_send(jam_id=judging_jam.pk, user_id=i.args["user_id"]) for i in items] == [False] * len(
        people
    )
    assert len(smtp_sink.messages) == len(people)


def test_public_results_show_the_winners_by_prize(client, judging_jam, scored):
    first = PrizeFactory(jam=judging_jam, name="First place", order=0)
    mention = PrizeFactory(jam=judging_jam, name="Honourable mention", order=1)
    Award.objects.create(prize=first, entry=scored[0])
    Award.objects.create(prize=mention, entry=scored[2])
    results_publish(jam=judging_jam)

    html = text(client.get(f"/jams/{judging_jam.slug}/results/"))

    assert html.index("First place") < html.index("Entry 0") < html.index("Honourable mention") < html.index("Entry 2")
    assert "Private" not in html
    assert 'data-testid="ranking"' not in html


def test_public_ranking_when_the_jam_shows_it(client, judging_jam, scored):
    judging_jam.show_ranking = True
    judging_jam.save()
    results_publish(jam=judging_jam)

    response = client.get(f"/jams/{judging_jam.slug}/results/")

    assert [row.entry.title for row in response.context["rows"]] == ["Entry 0", "Entry 1", "Entry 2"]
    assert [row.figures.rank for row in response.context["rows"]] == [1, 2, 3]


def test_after_publication_the_team_sees_feedback_and_scores_without_names(client, judging_jam, scored):
    results_publish(jam=judging_jam)
    entry = scored[0]
    client.force_login(entry.team.created_by)

    html = text(client.get(entry.get_absolute_url()))

    assert "The judges' verdict" in html
    assert "Feedback 0 for Entry 0" in html
    assert "Feedback 1 for Entry 0" in html
    assert "Private" not in html
    for judge in judging_jam.judges.select_related("user"):
        assert judge.user.display_name not in html
    assert "5.00" in html  # Impact: both judges gave 5


def test_after_publication_others_do_not_see_a_teams_feedback(client, judging_jam, scored):
    results_publish(jam=judging_jam)
    client.force_login(UserFactory())
    html = text(client.get(scored[0].get_absolute_url()))
    assert "Feedback 0 for Entry 0" not in html


def test_judge_added_without_an_account_is_invited_to_set_a_password(
    judging_jam, django_capture_on_commit_callbacks, mailoutbox, client
):
    from judging.services import judge_add

    with django_capture_on_commit_callbacks(execute=True):
        judge = judge_add(jam=judging_jam, email="new.judge@example.com", display_name="Neel")

    (message,) = mailoutbox
    assert message.to == ["new.judge@example.com"]
    assert message.subject == f"You're invited to judge {judging_jam.title}"
    assert not judge.user.has_usable_password()
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    page = client.get(link.split("127.0.0.1:8000", 1)[1], follow=True)
    assert "Choose a new password" in text(page)


def test_judge_added_with_an_account_is_emailed_an_invitation_to_accept(
    judging_jam, mailoutbox, django_capture_on_commit_callbacks
):
    from judging.services import judge_add, judge_invite_send

    person = UserFactory(email="known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        judge = judge_add(jam=judging_jam, email="KNOWN@example.com")

    assert judge.user == person
    assert judge.accepted_at is None
    (message,) = mailoutbox
    assert message.to == ["known@example.com"]
    assert message.subject == f"You're invited to judge {judging_jam.title}"
    assert f"http://127.0.0.1:8000/jams/{judging_jam.slug}/judge/accept/" in message.body
    assert f"http://127.0.0.1:8000/jams/{judging_jam.slug}/judge/\n" in message.body  # or accept when logged in
    assert "/accounts/reset/" not in message.body  # they have a password already
    assert judge_invite_send(judge_id=judge.pk) is False  # once only
    assert len(mailoutbox) == 1


def test_adding_the_same_judge_twice_is_refused(judging_jam):
    from judging.services import judge_add

    judge_add(jam=judging_jam, email="twice@example.com")
    with pytest.raises(ValidationError, match="is already a judge"):
        judge_add(jam=judging_jam, email="twice@example.com")


def test_team_member_judge_scores_nothing_of_their_team_even_via_the_service(judging_jam):
    from judging.services import NotAllowed

    judge = JudgeFactory(jam=judging_jam)
    own = EntryFactory(team=TeamFactory(jam=judging_jam, created_by=judge.user))
    criteria = list(judging_jam.criteria.all())
    with pytest.raises(NotAllowed):
        review_save(judge=judge, entry=own, scores={c.pk: 3 for c in criteria})


def test_team_feedback_agrees_with_the_ranking_and_names_rank_and_prize(client, judging_jam, scored):
    judging_jam.show_ranking = True
    judging_jam.save()
    Award.objects.create(prize=PrizeFactory(jam=judging_jam, name="First place"), entry=scored[0])
    results_publish(jam=judging_jam)
    client.force_login(scored[0].team.created_by)

    html = text(client.get(scored[0].get_absolute_url()))
    ranking = client.get(f"/jams/{judging_jam.slug}/results/").context["rows"]

    public_total = f"{ranking[0].figures.calibrated:.2f}"
    assert ranking[0].entry == scored[0]
    assert f'<td class="text-end fw-semibold">{public_total}</td>' in html
    assert "Ranked <strong>1</strong> of 3, winning <strong>First place</strong>." in html


def test_periodic_task_assigns_judges_once_judging_opens(judging_jam, entries):
    from judging.models import Assignment
    from judging.tasks import judging_open_task
    from tests.factories import JamFactory

    JudgeFactory.create_batch(2, jam=judging_jam)
    still_running = JamFactory.running()
    JudgeFactory(jam=still_running)
    EntryFactory(team__jam=still_running)

    assert judging_open_task.apply().get() == 1
    assert judging_open_task.apply().get() == 0

    judging_jam.refresh_from_db()
    assert judging_jam.assignments_made_at is not None
    assert Assignment.objects.filter(judge__jam=judging_jam).count() == len(entries) * 2
    assert not Assignment.objects.filter(judge__jam=still_running).exists()
