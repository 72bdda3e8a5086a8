from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from hackathon.text import single_line

from .models import User


class DisplayNameOnOneLine:
    """Display names go into emails, lists and CSV cells: one line, no control characters."""

    def clean_display_name(self) -> str:
        return single_line(self.cleaned_data["display_name"], label="The name")


class UserAdminCreationForm(DisplayNameOnOneLine, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserAdminChangeForm(DisplayNameOnOneLine, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An account's times belong to no jam: typed and shown in the site's zone, UTC.
        for name in ("last_login", "date_joined"):
            if name in self.fields:
                self.fields[name].help_text = "In UTC."


class AccountCreateForm(forms.Form):
    """A new account made while doing something else (signing up for a jam). An address
    that has an account already signs in to it when the password is that account's."""

    display_name = forms.CharField(
        label="Your name",
        max_length=100,
        help_text="Shown on the jam's sign-up list and on your team's entries.",
        error_messages={"required": "Please enter your name."},
    )
    email = forms.EmailField(label="Email", error_messages={"required": "Please enter your email address."})
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": "Please choose a password."},
    )

    def clean_display_name(self) -> str:
        name = single_line(self.cleaned_data["display_name"], label="Your name")
        if not name:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_email(self) -> str:
        # Whether the address has an account is not said here: the form answers the same
        # either way (accounts.services.user_register).
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
