from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserBackend(ModelBackend):
    """Django's ModelBackend, with `get_user`, which runs on every signed-in request, as one
    plain query: building the same query through the ORM was the largest part of serving
    a signed-in person their cached jam page (measured with `make bench`). Nothing is
    cached: the row is read afresh every time, as ModelBackend does."""

    def get_user(self, user_id):
        sql = f"SELECT * FROM {User._meta.db_table} WHERE id = %s"  # noqa: S608 - the model's table, the id as a parameter
        user = next(iter(User.objects.raw(sql, [user_id])), None)
        return user if user is not None and self.user_can_authenticate(user) else None
