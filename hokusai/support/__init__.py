"""Helpers that know nothing of registries: compatibility, lazy names, notices, versions.
May import: ``hokusai.errors``.
"""
