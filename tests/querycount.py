from __future__ import annotations

import os
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    """How many queries `action` runs. QUERYCOUNT_REPORT=1 prints each count (run with -s)."""
    with CaptureQueriesContext(connection) as context:
        action()
    count = len(context.captured_queries)
    if os.environ.get("QUERYCOUNT_REPORT"):
        print(f"[queries: {count}]", end=" ")
    return count
