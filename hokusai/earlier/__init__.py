"""The earlier SDK's (``hokusai-ml-platform`` 1.0) classes and functions, built on
``ModelRegistry``.

Imports: ``hokusai.registry`` and everything below it. Old import paths (``hokusai.core``,
``hokusai.auth``, ``hokusai.tracking``) are thin modules that point here.
"""
