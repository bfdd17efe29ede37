"""The platform's domain: tags, validation, the registration event, status, ``HokusaiModel``.
May import: ``hokusai.local`` and the layers below it.
"""
