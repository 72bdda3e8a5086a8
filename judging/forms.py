from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms

from .models import Criterion, Review


@dataclass
class ScoreField:
    """A criterion's choice on the review form, with its weight and share of the total."""

    field: forms.BoundField
    criterion: Criterion
    weight: Decimal
    share: int  # percent of the total weight, rounded


class ReviewForm(forms.Form):
    """One choice per criterion on its own scale, feedback for the team, a private note."""

    feedback = forms.CharField(
        label="Feedback for the team",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The team reads this after the results are published, without your name.",
    )
    private_note = forms.CharField(
        label="Private note for the organizers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only organizers see this.",
    )

    def __init__(self, *args, criteria: list[Criterion], review: Review | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        current = {s.criterion_id: s.value for s in review.scores.all()} if review else {}
        score_fields = {}
        for criterion in criteria:
            score_fields[self.field_name(criterion)] = forms.TypedChoiceField(
                label=criterion.name,  # the template adds the scale
                help_text=criterion.description,
                choices=[(v, str(v)) for v in range(criterion.scale_low, criterion.scale_high + 1)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=current.get(criterion.pk),
                error_messages={
                    "required": f"Please score “{criterion.name}”.",
                    "invalid_choice": (
                        f"“{criterion.name}” is scored from {criterion.scale_low} to {criterion.scale_high}; "
                        "%(value)s is outside."
                    ),
                },
            )
        # Scores first, then the texts.
        self.fields = {**score_fields, **self.fields}
        if review:
            self.initial.update(feedback=review.feedback, private_note=review.private_note)

    @staticmethod
    def field_name(criterion: Criterion) -> str:
        return f"criterion_{criterion.pk}"

    def score_fields(self) -> list[ScoreField]:
        total = sum((c.weight for c in self.criteria), Decimal(0))
        return [
            ScoreField(
                field=self[self.field_name(c)],
                criterion=c,
                weight=c.weight.normalize(),
                share=round(100 * c.weight / total) if total else 0,
            )
            for c in self.criteria
        ]

    def text_fields(self) -> list[forms.BoundField]:
        return [self["feedback"], self["private_note"]]

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[self.field_name(c)] for c in self.criteria}
