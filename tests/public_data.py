"""A scene for the privacy checks of the API and the feeds: jams in every state, with
everything a visitor must never see written as strings a response could be searched for
(emails, drafts, judges' names, feedback, private notes, conflict notes, hidden names),
and strings a visitor should see, so a walk that saw nothing can't pass."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from jams.models import Jam
from judging.models import Award, Conflict
from judging.services import results_publish, review_save
from submissions.models import Entry, Team
from tests.factories import (
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JudgeFactory,
    PrizeFactory,
    SignUpFactory,
    UserFactory,
)


@dataclass
class Scene:
    published: Jam  # results out, ranking shown
    published_quietly: Jam  # results out, prizes only
    judging: Jam  # reviewed and scored, results not out
    running: Jam
    upcoming: Jam
    private: list[str] = field(default_factory=list)
    public: list[str] = field(default_factory=list)

    @property
    def jams(self) -> list[Jam]:
        return [self.published, self.published_quietly, self.judging, self.running, self.upcoming]

    def secrets(self) -> list[str]:
        """The private strings, with every account's email and every team's invite token."""
        emails = list(User.objects.values_list("email", flat=True))
        tokens = list(Team.objects.values_list("invite_token", flat=True))
        return [*self.private, *emails, *tokens]


def _judged_jam(scene: Scene, label: str, **jam_fields) -> Jam:
    """A jam in judging with two submitted entries, a draft, a judge who reviewed both
    (feedback, a private note), an excluded judge, a conflict and an awarded prize."""
    jam = JamFactory.judging(title=f"{label} Jam", **jam_fields)
    criteria = [CriterionFactory(jam=jam, name=f"{label} Impact"), CriterionFactory(jam=jam, name=f"{label} Rigour")]
    entries = [EntryFactory(team__jam=jam, title=f"{label} Public Entry {i}") for i in range(2)]
    draft = EntryFactory(
        team__jam=jam,
        title=f"{label} SECRET DRAFT TITLE",
        abstract=f"{label} SECRET DRAFT ABSTRACT",
        state=Entry.State.DRAFT,
        submitted_at=None,
    )
    judge = JudgeFactory(jam=jam, user=UserFactory(display_name=f"{label} Secretjudge Name"))
    excluded = JudgeFactory(
        jam=jam, user=UserFactory(display_name=f"{label} Excludedjudge Name"), excluded_from_results=True
    )
    for reviewer in (judge, excluded):
        for i, entry in enumerate(entries):
            review_save(
                judge=reviewer,
                entry=entry,
                scores={criteria[0].pk: 5 - i, criteria[1].pk: 3},
                feedback=f"{label} SECRET FEEDBACK {reviewer.pk}-{i}",
                private_note=f"{label} SECRET PRIVATE NOTE {reviewer.pk}-{i}",
            )
    Conflict.objects.create(judge=judge, entry=entries[1], note=f"{label} SECRET CONFLICT NOTE")
    prize = PrizeFactory(jam=jam, name=f"{label} Grand Prize")
    Award.objects.create(prize=prize, entry=entries[0])
    PrizeFactory(jam=jam, name=f"{label} SECRET UNAWARDED PRIZE")
    PrizeFactory(jam=jam, name=f"{label} SECRET PRIZE OF A DRAFT").awards.create(entry=draft)
    scene.private += [
        f"{label} SECRET",
        f"{label} Secretjudge Name",
        f"{label} Excludedjudge Name",
        f"{label} SECRET UNAWARDED PRIZE",
    ]
    scene.public += [f"{label} Public Entry 0", f"{label} Public Entry 1"]
    return jam


def private_scene() -> Scene:
    running = JamFactory.running(title="Running Jam")
    upcoming = JamFactory.upcoming(title="Upcoming Jam")
    scene = Scene(
        published=running,  # replaced below
        published_quietly=running,
        judging=running,
        running=running,
        upcoming=upcoming,
    )
    scene.published = _judged_jam(scene, "Shown", show_ranking=True, show_uncertainty=True)
    scene.published_quietly = _judged_jam(scene, "Quiet", show_ranking=False)
    scene.judging = _judged_jam(scene, "Pending", show_ranking=True)
    for jam in (scene.published, scene.published_quietly):
        results_publish(jam=jam)
    scene.public += ["Shown Grand Prize", "Quiet Grand Prize"]

    # Sign-ups with their names hidden, a running jam's draft, and an organizer.
    hidden = UserFactory(display_name="Hiddenname Signup")
    for jam in (running, upcoming, scene.published):
        SignUpFactory(jam=jam, user=hidden, show_in_list=False)
    EntryFactory(
        team__jam=running,
        title="Running SECRET DRAFT TITLE",
        abstract="Running SECRET DRAFT ABSTRACT",
        state=Entry.State.DRAFT,
        submitted_at=None,
    )
    EntryFactory(team__jam=running, title="Running Public Entry")
    UserFactory(display_name="Organizer Staffname", is_staff=True)
    scene.private += ["Running SECRET", "Hiddenname Signup", "Organizer Staffname"]
    scene.public += ["Running Public Entry", "Upcoming Jam"]
    return scene
