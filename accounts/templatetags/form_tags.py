"""What every form page shares: the intro's list of required fields and the error summary
above the form, both read from the form itself so the words can't drift from what the
form checks.

In accounts because every other app builds on it: any app's templates may load these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template
from django.utils.html import format_html
from django.utils.text import get_text_list

register = template.Library()


def _lower_first(label: str) -> str:
    """“Your name” → “your name”, but “AI safety” stays as it is."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def required_labels(form: forms.BaseForm) -> list[str]:
    """The labels of the fields the form requires, in the form's order, as a sentence says them."""
    return [_lower_first(str(field.label)) for field in form.visible_fields() if field.field.required]


@register.simple_tag
def required_intro(form: forms.BaseForm, lead: str = "Required") -> str:
    """“Required: title, abstract and slides.”, or that nothing is, for the form's intro."""
    labels = required_labels(form)
    sentence = f"{lead}: {get_text_list(labels, 'and')}." if labels else "Nothing here is required."
    return format_html('<span data-testid="form-required">{}</span>', sentence)


@dataclass(frozen=True)
class FieldErrors:
    label: str
    anchor: str  # the id of the input to jump to
    messages: list[str]


@dataclass(frozen=True)
class ErrorSummary:
    fields: list[FieldErrors]
    messages: list[str]  # errors of the whole form, and of hidden fields


def _anchor(field: forms.BoundField) -> str:
    if field.id_for_label:
        return field.id_for_label
    # A group of radio buttons or checkboxes has no single label target: its first input.
    subwidgets = field.subwidgets
    return subwidgets[0].id_for_label if subwidgets else field.auto_id


@register.simple_tag
def error_summary(form: forms.BaseForm) -> ErrorSummary:
    fields = [
        FieldErrors(label=str(field.label), anchor=_anchor(field), messages=list(field.errors))
        for field in form.visible_fields()
        if field.errors
    ]
    messages = list(form.non_field_errors())
    for field in form.hidden_fields():
        messages.extend(field.errors)
    return ErrorSummary(fields=fields, messages=messages)
