from __future__ import annotations

import os
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object], *, cold: bool = True) -> int:
    """How many queries `action` runs; `cold` (the default) empties the cache first, so
    cached pages are counted as they render. QUERYCOUNT_REPORT=1 prints each count (run
    with -s)."""
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as context:
        action()
    count = len(context.captured_queries)
    if os.environ.get("QUERYCOUNT_REPORT"):
        print(f"[queries: {count}]", end=" ")
    return count
