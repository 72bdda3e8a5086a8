from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .forms import AccountCreateForm
from .services import user_create


@require_http_methods(["GET", "POST"])
def account_signup(request: HttpRequest) -> HttpResponse:
    """An account on its own, without signing up to a jam."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or "my_jams")
    form = AccountCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(email=data["email"], display_name=data["display_name"], password=data["password"])
        except IntegrityError:
            # Someone made an account with this email between validation and save.
            form.add_error("email", "An account with this email already exists. Log in with it.")
        else:
            login(request, user, backend="accounts.backends.UserBackend")
            messages.success(request, f"Welcome, {user.display_name}! Your account is ready.")
            return redirect(next_url or "my_jams")
    status = 400 if form.errors else 200
    return render(request, "registration/account_signup.html", {"form": form, "next": next_url}, status=status)
