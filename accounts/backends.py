from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from .models import User


class UserBackend(ModelBackend):
    """Django's ModelBackend, with `get_user`, which runs on every signed-in request, as one
    plain query turned into a User the way the ORM does it (the database's converters,
    then `from_db`), without building a queryset: that was the largest part of serving a
    signed-in person their cached jam page (measured with `make bench`). Nothing is
    cached: the row is read afresh every time, as ModelBackend does."""

    def get_user(self, user_id):
        alias = router.db_for_read(User)
        connection = connections[alias]
        fields = User._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(User._meta.db_table)
        pk = connection.ops.quote_name(User._meta.pk.column)
        with connection.cursor() as cursor:
            # Identifiers from the model, quoted; the id as a parameter.
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {pk} = %s", [user_id])  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            return None
        values = [_convert(field, value, connection) for field, value in zip(fields, row, strict=True)]
        user = User.from_db(alias, [field.attname for field in fields], values)
        return user if self.user_can_authenticate(user) else None


def _convert(field, value, connection):
    expression = field.get_col(User._meta.db_table)
    for converter in connection.ops.get_db_converters(expression) + field.get_db_converters(connection):
        value = converter(value, expression, connection)
    return value
