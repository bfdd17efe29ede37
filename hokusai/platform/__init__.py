"""The platform's domain: its tags, input validation, the registration event, what a registry
reports, the earlier SDK's argument names and the ``HokusaiModel`` abstraction.

Imports: ``hokusai.local``, ``hokusai.connection`` and everything below them.
"""
