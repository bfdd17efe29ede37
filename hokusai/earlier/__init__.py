"""The earlier SDK's classes and functions (versioning, tracking, setup, ...), on ``ModelRegistry``.
May import: ``hokusai.registry`` and the layers below it.
"""
