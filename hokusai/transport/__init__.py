"""The HTTP to one registry: bounds, retries, proxies, TLS, error classification.
May import: ``hokusai.config`` and the layers below it.
"""
