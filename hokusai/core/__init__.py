"""Compatibility package: the platform's code imported ``hokusai.core.registry``."""
