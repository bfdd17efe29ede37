"""Helpers that know nothing of registries: Python compatibility, lazy attributes, notices,
private directories and the supported-MLflow check.

Imports: ``hokusai.errors`` only.
"""
