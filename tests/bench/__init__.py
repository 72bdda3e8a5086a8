"""`make bench`: the deadline-night benchmark of issue 7 (`python -m tests.bench`).

Not a test module: pytest collects only test_*.py, and nothing here is named so.
"""
