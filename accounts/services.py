from __future__ import annotations

from .models import User


def user_create(*, email: str, display_name: str, password: str | None) -> User:
    return User.objects.create_user(email=email, display_name=display_name, password=password)
