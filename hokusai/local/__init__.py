"""The local store's durable state under HOKUSAI_HOME: pending registrations and file locks.

Imports: ``hokusai.support`` and ``hokusai.errors``.
"""
