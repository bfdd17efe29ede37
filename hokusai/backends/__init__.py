"""Where registrations go: an MLflow store (remote or local), the auto-mode router that falls back
to the local store, and runs copied from the user's own MLflow store.

Imports: ``hokusai.flavors``, ``hokusai.platform`` and everything below them.
"""
