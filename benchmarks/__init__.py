"""The SDK against raw MLflow, side by side on the same real server: ``nox -s bench``.

See docs/performance.md for the table, what each row measures, and how to reproduce it.
"""
