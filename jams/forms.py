from __future__ import annotations

from django import forms

from accounts.forms import AccountCreateForm


class SignUpForm(forms.Form):
    show_in_list = forms.BooleanField(
        label="Show my name on the public sign-up list",
        required=False,
        initial=True,
    )


class SignUpWithAccountForm(AccountCreateForm, SignUpForm):
    """A visitor without an account makes one and signs up in the same step."""
