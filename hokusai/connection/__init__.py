"""One registry connection: the key on MLflow's requests, the probe, the scoped client.
May import: ``hokusai.mlflow_internals`` and the layers below it.
"""
