"""The local store's state under HOKUSAI_HOME: pending registrations and file locks.
May import: ``hokusai.connection`` and the layers below it.
"""
