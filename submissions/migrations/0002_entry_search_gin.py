"""The gallery's full-text search index: PostgreSQL only.

The model state records the index everywhere (so makemigrations stays quiet); the
database gets it only on PostgreSQL, since SQLite has no GIN indexes and searches by
substring instead."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0001_initial"),
    ]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="entry",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.CombinedSearchVector(
                    django.contrib.postgres.search.CombinedSearchVector(
                        django.contrib.postgres.search.SearchVector("title", config="english", weight="A"),
                        "||",
                        django.contrib.postgres.search.SearchVector("authors", config="english", weight="B"),
                        django.contrib.postgres.search.SearchConfig("english"),
                    ),
                    "||",
                    django.contrib.postgres.search.SearchVector("abstract", config="english", weight="C"),
                    django.contrib.postgres.search.SearchConfig("english"),
                ),
                name="entry_search_gin",
            ),
        ),
    ]
