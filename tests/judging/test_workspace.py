import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from judging.models import Assignment, Conflict, Review
from judging.services import JudgingClosed, assignments_make, conflict_mark, judge_recuse, judge_recuse_undo
from submissions.models import Entry
from tests.factories import EntryFactory, JamFactory, JudgeFactory, TeamFactory, UserFactory
from tests.judging.conftest import score_form

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def review_url(jam, entry) -> str:
    return f"/jams/{jam.slug}/judge/{entry.pk}/"


def test_workspace_assigns_on_first_visit_and_shows_progress(client, judging_jam, judge, entries):
    client.force_login(judge.user)

    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    html = text(response)
    assert response.status_code == 200
    assert Assignment.objects.filter(judge=judge).count() == 3
    assert "0 of 3 assigned reviewed" in html
    assert [e.title for e in response.context["work"].queue] == ["Entry 0", "Entry 1", "Entry 2"]


def test_scoring_every_criterion_saves_and_moves_progress(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")

    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 5))
    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    review = Review.objects.get(judge=judge, entry=entries[0])
    assert sorted(review.scores.values_list("value", flat=True)) == [4, 5]
    assert review.feedback == "Clear and careful."
    assert "1 of 3 assigned reviewed" in text(response)


def test_save_stays_on_the_entry_with_the_scores_chosen(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")

    response = client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 2), follow=True)

    assert response.redirect_chain == [(review_url(judging_jam, entries[0]), 302)]
    html = text(response)
    assert "Your review of “Entry 0” is saved." in html
    impact, rigour = judging_jam.criteria.order_by("order")
    assert re.findall(rf'name="criterion_{impact.pk}" value="(\d)"[^>]* checked>', html) == ["4"]
    assert re.findall(rf'name="criterion_{rigour.pk}" value="(\d)"[^>]* checked>', html) == ["2"]


def test_save_and_next_after_the_last_entry_goes_back_to_the_queue(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    for entry in entries[:2]:
        client.post(review_url(judging_jam, entry), score_form(judging_jam, 3, 3))

    response = client.post(review_url(judging_jam, entries[2]), score_form(judging_jam, 3, 3, then="next"))

    assert response["Location"] == f"/jams/{judging_jam.slug}/judge/"


def test_review_form_shows_each_criterions_weight_and_share(client, judging_jam, judge, entries):
    client.force_login(judge.user)

    html = text(client.get(review_url(judging_jam, entries[0])))

    assert "Weight 2: 67% of the total" in html
    assert "Weight 1: 33% of the total" in html
    assert html.count('class="btn btn-outline-primary score-button"') == 10  # two criteria on 1 to 5


def test_queue_shows_not_started_saved_and_changed_since_scored(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 3, 3))
    client.post(review_url(judging_jam, entries[1]), score_form(judging_jam, 3, 3))
    review = Review.objects.get(judge=judge, entry=entries[1])
    Entry.objects.filter(pk=entries[1].pk).update(updated_at=review.updated_at + timedelta(minutes=1))

    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    states = [(item.entry.title, item.state) for item in response.context["work"].entries]
    assert states == [("Entry 0", "saved"), ("Entry 1", "changed since you scored it"), ("Entry 2", "not started")]
    html = text(response)
    assert html.count(">Saved</span>") == 1
    assert html.count(">Not started</span>") == 1
    assert html.count(">Changed since you scored it</span>") == 1


def test_saving_again_after_a_change_marks_the_entry_saved(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 3, 3))
    Entry.objects.filter(pk=entries[0].pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 3, 3))
    Review.objects.filter(judge=judge).update(updated_at=timezone.now() + timedelta(seconds=2))

    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    assert response.context["work"].entries[0].state == "saved"


def test_save_and_next_opens_the_next_entry_in_the_queue(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")

    response = client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 3, 3, then="next"))

    assert response["Location"] == review_url(judging_jam, entries[1])


def test_when_the_queue_is_done_next_is_the_entry_with_fewest_reviews(client, judging_jam, entries):
    judges = [JudgeFactory(jam=judging_jam) for _ in range(3)]
    assignments_make(jam=judging_jam)
    me = judges[0]
    mine = set(Assignment.objects.filter(judge=me).values_list("entry_id", flat=True))
    client.force_login(me.user)
    for entry_id in mine:
        client.post(f"/jams/{judging_jam.slug}/judge/{entry_id}/", score_form(judging_jam, 3, 3))

    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    (left,) = [e for e in entries if e.pk not in mine]
    assert response.context["work"].queue == []
    assert response.context["next_entry"] == left
    assert 'data-testid="judge-next"' in response.content.decode()


def test_a_judge_changes_their_own_review(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 2, 2))
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 5, 4, feedback="Better on reread."))

    review = Review.objects.get(judge=judge, entry=entries[0])
    assert sorted(review.scores.values_list("value", flat=True)) == [4, 5]
    assert review.feedback == "Better on reread."
    assert Review.objects.count() == 1


@pytest.mark.parametrize(("values", "message"), [((6, 3), "6 is outside"), ((0, 3), "0 is outside")])
def test_a_score_outside_the_scale_is_refused(client, judging_jam, judge, entries, values, message):
    client.force_login(judge.user)
    response = client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, *values))
    assert response.status_code == 400
    assert message in text(response)
    assert not Review.objects.exists()


def test_a_missing_criterion_is_refused(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    response = client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4))
    assert response.status_code == 400
    assert "Please score “Rigour”." in text(response)
    assert 'value="Clear and careful."' in text(response) or "Clear and careful." in text(response)
    assert not Review.objects.exists()


def test_an_empty_review_is_refused_naming_every_criterion(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    response = client.post(review_url(judging_jam, entries[0]), {})
    assert response.status_code == 400
    assert "Please score “Impact”." in text(response)
    assert "Please score “Rigour”." in text(response)
    assert not Review.objects.exists()


def test_a_non_judge_is_refused(client, judging_jam, entries):
    client.force_login(UserFactory())
    workspace = client.get(f"/jams/{judging_jam.slug}/judge/")
    posted = client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 4))
    assert workspace.status_code == 403
    assert posted.status_code == 403
    assert "Only judges can see this page" in text(posted)
    assert not Review.objects.exists()


def test_a_visitor_is_sent_to_log_in(client, judging_jam):
    response = client.get(f"/jams/{judging_jam.slug}/judge/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_judge_never_sees_or_scores_their_own_teams_entry(client, judging_jam, judge, entries):
    own = EntryFactory(team=TeamFactory(jam=judging_jam, created_by=judge.user), title="Judge's own")
    assignments_make(jam=judging_jam)
    client.force_login(judge.user)

    workspace = client.get(f"/jams/{judging_jam.slug}/judge/")
    page = client.get(review_url(judging_jam, own))
    posted = client.post(review_url(judging_jam, own), score_form(judging_jam, 5, 5))

    assert not Assignment.objects.filter(judge=judge, entry=own).exists()
    assert "Judge's own" not in text(workspace)
    assert page.status_code == 403
    assert "Judge's own" not in text(page)
    assert posted.status_code == 403
    assert not Review.objects.exists()


def test_recusing_removes_the_entry_and_any_review(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 4))

    response = client.post(f"/jams/{judging_jam.slug}/judge/{entries[0].pk}/recuse/", follow=True)

    assert Conflict.objects.filter(judge=judge, entry=entries[0], source="recused").exists()
    assert not Assignment.objects.filter(judge=judge, entry=entries[0]).exists()
    assert not Review.objects.exists()
    assert "Entry 0" not in [e.title for e in response.context["work"].queue]
    assert client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 4)).status_code == 403


def test_an_organizer_conflict_hides_the_entry(client, judging_jam, judge, entries):
    from judging.services import conflict_mark

    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    conflict_mark(judge=judge, entry=entries[1], note="Same lab")

    response = client.get(f"/jams/{judging_jam.slug}/judge/")

    assert [e.title for e in response.context["work"].queue] == ["Entry 0", "Entry 2"]
    assert client.get(review_url(judging_jam, entries[1])).status_code == 403


def test_no_review_before_the_deadline(client):
    jam = JamFactory.running()
    judge = JudgeFactory(jam=jam)
    entry = EntryFactory(team__jam=jam)
    client.force_login(judge.user)

    workspace = client.get(f"/jams/{jam.slug}/judge/")
    posted = client.post(review_url(jam, entry), {"then": "stay"})

    assert "Judging opens when submissions close" in text(workspace)
    assert posted.status_code == 403
    assert not Review.objects.exists()
    assert not Assignment.objects.exists()


def test_no_review_in_the_grace_period(client):
    now = timezone.now()
    jam = JamFactory(
        starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=5), grace_minutes=30
    )
    judge = JudgeFactory(jam=jam)
    entry = EntryFactory(team__jam=jam)
    client.force_login(judge.user)
    assert client.post(review_url(jam, entry), {"then": "stay"}).status_code == 403


def test_no_review_after_judging_ended(client):
    jam = JamFactory.finished()
    judge = JudgeFactory(jam=jam)
    entry = EntryFactory(team__jam=jam)
    client.force_login(judge.user)

    posted = client.post(review_url(jam, entry), {"then": "stay"})

    assert posted.status_code == 403
    assert "has ended, so reviews can no longer be saved or changed." in text(posted)
    assert not Review.objects.exists()


def test_someone_elses_review_is_untouched(client, judging_jam, entries):
    first, second = JudgeFactory(jam=judging_jam), JudgeFactory(jam=judging_jam)
    client.force_login(first.user)
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 2, 2, feedback="First's words"))
    client.force_login(second.user)

    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 5, 5, feedback="Second's words"))

    mine = Review.objects.get(judge=first)
    assert mine.feedback == "First's words"
    assert sorted(mine.scores.values_list("value", flat=True)) == [2, 2]
    assert Review.objects.count() == 2


def test_a_judge_of_another_jam_is_refused(client, judging_jam, entries):
    other = JudgeFactory(jam=JamFactory.judging())
    client.force_login(other.user)
    assert client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 3, 3)).status_code == 403


def recuse_url(jam, entry) -> str:
    return f"/jams/{jam.slug}/judge/{entry.pk}/recuse/"


def test_recuse_asks_first_and_says_the_review_is_lost(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 4))

    response = client.get(recuse_url(judging_jam, entries[0]))

    html = text(response)
    assert response.status_code == 200
    assert "can't be restored, even if you undo the recusal" in html
    assert "Recuse me and delete my review" in html
    assert Review.objects.filter(judge=judge, entry=entries[0]).exists()
    assert not Conflict.objects.exists()


def test_recuse_confirmation_without_a_review_mentions_no_loss(client, judging_jam, judge, entries):
    client.force_login(judge.user)

    html = text(client.get(recuse_url(judging_jam, entries[1])))

    assert "can't be restored" not in html
    assert ">Recuse me</button>" in html


def test_recuse_confirmation_of_an_entry_not_yours_is_404(client, judging_jam, judge, entries):
    conflict_mark(judge=judge, entry=entries[2])
    client.force_login(judge.user)

    assert client.get(recuse_url(judging_jam, entries[2])).status_code == 404


def test_undo_a_recusal_brings_the_entry_back_without_the_review(client, judging_jam, judge, entries):
    client.force_login(judge.user)
    client.get(f"/jams/{judging_jam.slug}/judge/")
    client.post(review_url(judging_jam, entries[0]), score_form(judging_jam, 4, 4))
    client.post(recuse_url(judging_jam, entries[0]))
    workspace = text(client.get(f"/jams/{judging_jam.slug}/judge/"))
    assert "Entries you recused from" in workspace

    response = client.post(recuse_url(judging_jam, entries[0]) + "undo/", follow=True)

    assert response.redirect_chain == [(review_url(judging_jam, entries[0]), 302)]
    assert "“Entry 0” is back in your queue." in text(response)
    assert not Conflict.objects.filter(judge=judge).exists()
    assert Assignment.objects.filter(judge=judge, entry=entries[0]).exists()
    assert not Review.objects.filter(judge=judge, entry=entries[0]).exists()
    after = client.get(f"/jams/{judging_jam.slug}/judge/")
    states = {item.entry.title: item.state for item in after.context["work"].entries}
    assert states["Entry 0"] == "not started"
    assert after.context["recusals"] == []


def test_undo_is_refused_once_judging_has_ended(judging_jam, judge, entries):
    judge_recuse(judge=judge, entry=entries[0])

    with pytest.raises(JudgingClosed):
        judge_recuse_undo(judge=judge, entry=entries[0], now=judging_jam.judging_ends_at)

    assert Conflict.objects.filter(judge=judge, entry=entries[0]).exists()


def test_undo_cannot_lift_an_organizers_conflict(client, judging_jam, judge, entries):
    conflict_mark(judge=judge, entry=entries[1], note="Same lab")
    client.force_login(judge.user)

    response = client.post(recuse_url(judging_jam, entries[1]) + "undo/", follow=True)

    assert "You haven't recused from this entry" in text(response)
    assert Conflict.objects.filter(judge=judge, entry=entries[1], source="organizer").exists()


# Assignments first: a judge can't score any entry by URL ------------------------------


@pytest.fixture
def assigned_two(judging_jam, judge, entries):
    """The judge has entries 0 and 1 assigned; entry 2 is someone else's to review."""
    for entry in entries[:2]:
        Assignment.objects.create(judge=judge, entry=entry)
    judging_jam.assignments_made_at = timezone.now()
    judging_jam.save(update_fields=["assignments_made_at"])
    return entries[:2]


def test_an_unassigned_entry_is_refused_while_assigned_ones_wait(client, judging_jam, judge, entries, assigned_two):
    client.force_login(judge.user)

    page = client.get(review_url(judging_jam, entries[2]))
    posted = client.post(review_url(judging_jam, entries[2]), score_form(judging_jam, 5, 5))

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "Please review the entries assigned to you first: 2 left in your queue." in text(page)
    assert "Entry 2" not in text(page)
    assert not Review.objects.exists()


def test_an_unassigned_entry_may_be_reviewed_once_the_queue_is_done(client, judging_jam, judge, entries, assigned_two):
    client.force_login(judge.user)
    for entry in assigned_two:
        client.post(review_url(judging_jam, entry), score_form(judging_jam, 3, 3))

    posted = client.post(review_url(judging_jam, entries[2]), score_form(judging_jam, 5, 5))

    assert posted.status_code == 302
    assert Review.objects.filter(judge=judge).count() == 3


def test_a_jam_can_keep_judges_to_their_assignments(client, judging_jam, judge, entries, assigned_two):
    judging_jam.extra_reviews_allowed = False
    judging_jam.save(update_fields=["extra_reviews_allowed"])
    client.force_login(judge.user)
    for entry in assigned_two:
        client.post(review_url(judging_jam, entry), score_form(judging_jam, 3, 3))

    posted = client.post(review_url(judging_jam, entries[2]), score_form(judging_jam, 5, 5))

    assert posted.status_code == 403
    assert "This jam's judges review only the entries assigned to them." in text(posted)
    assert not Review.objects.filter(entry=entries[2]).exists()


def test_the_service_refuses_an_unassigned_entry_too(judging_jam, judge, entries, assigned_two):
    from judging.services import NotAllowed, review_save

    impact, rigour = judging_jam.criteria.order_by("order")

    with pytest.raises(NotAllowed, match="assigned to you first"):
        review_save(judge=judge, entry=entries[2], scores={impact.pk: 5, rigour.pk: 5})
    assert not Review.objects.exists()
