"""The HTTP between the SDK and one registry: bounds, retries, proxies, TLS, error classification.

Imports: ``hokusai.config``, ``hokusai.support``, ``hokusai.models``, ``hokusai.errors``.
"""
