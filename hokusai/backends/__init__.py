"""Where registrations go: an MLflow store, the auto-mode fallback, the user's own runs.
May import: ``hokusai.flavors`` and the layers below it.
"""
