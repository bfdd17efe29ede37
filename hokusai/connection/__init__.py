"""One registry connection: the key on MLflow's requests, the reachability probe, the scoped client.

Imports: ``hokusai.mlflow_internals`` and everything below it.
"""
