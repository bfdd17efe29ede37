"""The Hokusai platform's documented registration flows, copied from its pages.

Pages (Hokusai-protocol/hokusai-data-pipeline): ``documentation/getting-started/quickstart.md``,
``documentation/getting-started/model-registration-guide.md``,
``documentation/cli/model-registration.md`` and ``hokusai-ml-platform/README.md``. The root
``README.md`` documents the Metaflow pipeline only (no registration flow to copy).

The snippets are verbatim but for the registry's address (each function takes
``tracking_uri``, where the page has ``https://registry.hokus.ai/...``); the key is the reader's
``HOKUSAI_API_KEY`` and their own model is the page's tiny scikit-learn data set, so nothing is
invented. Each CLI flow is the page's command text, run by :func:`cli_argv`'s argv.

Sections not copied here, and why:

- the ml-platform README's ``register_baseline`` / ``register_improved_model`` sections are the
  earlier README's, run by ``tests/compat/old_scripts.py``;
- the quickstart's DeltaOne, A/B testing and DSPy sections, and its "Complete Example Script",
  import ``hokusai.evaluation``, ``hokusai.services``, ``hokusai.dspy_signatures`` and
  ``hokusai.utils.mlflow_config``: modules of the data pipeline's service, never in this SDK;
- the registration guide's TensorFlow, PyTorch and XGBoost sections are Option C's plain-MLflow
  pattern (:func:`registration_guide_option_c`) with frameworks this test environment lacks;
- the guide's "Register Model Improvements" and "Monitor" sections call ``train_improved_model()``
  (the reader's own) and ``get_tokenized_model(name)`` without a version (the earlier SDK
  required one too); the CLI page's "API Integration" calls ``register_model(token_id=...)``,
  which neither SDK took.
"""

from __future__ import annotations

import shlex
from typing import Any

QUICKSTART_TOKEN = "QUICKSTART-AI"

# The pages' `hokusai model register` commands that run as written: (page, command).
CLI_FLOWS: dict[str, tuple[str, str]] = {
    "quickstart": (
        "documentation/getting-started/quickstart.md",
        """hokusai model register \\
  --token-id QUICKSTART-AI \\
  --model-path ./models/baseline.pkl \\
  --metric accuracy \\
  --baseline 0.84""",
    ),
    "registration-guide": (
        "documentation/getting-started/model-registration-guide.md",
        """hokusai model register \\
  --token-id CHURN-AI \\
  --model-path ./models/churn_predictor.pkl \\
  --metric accuracy \\
  --baseline 0.91""",
    ),
    "ml-platform-readme": (
        "hokusai-ml-platform/README.md",
        """hokusai model register \\
  --token-id MSG-AI \\
  --model-path ./models/final.pkl \\
  --metric reply_rate \\
  --baseline 0.1342""",
    ),
    "cli-page-basic": (
        "documentation/cli/model-registration.md",
        """hokusai model register \\
  --token-id XRAY \\
  --model-path ./checkpoints/final_model.pkl \\
  --metric auroc \\
  --baseline 0.82""",
    ),
    "cli-page-default-configuration": (
        "documentation/cli/model-registration.md",
        """hokusai model register \\
  --token-id XRAY \\
  --model-path ./model.pkl \\
  --metric auroc \\
  --baseline 0.82""",
    ),
    "cli-page-environment-variables": (
        "documentation/cli/model-registration.md",
        """hokusai model register \\
  --token-id SENTIMENT-V3 \\
  --model-path ./sentiment_model.pkl \\
  --metric accuracy \\
  --baseline 0.92""",
    ),
}

# The CLI page's commands that cannot run here: (command, why, what the user is told).
CLI_FLOWS_REFUSED: dict[str, tuple[str, str, str]] = {
    "cli-page-keras-file": (
        """hokusai model register \\
  --token-id CHEST-XRAY-V2 \\
  --model-path ./models/chest_xray_classifier.h5 \\
  --metric auroc \\
  --baseline 0.85""",
        "a Keras .h5 file: the command takes a pickle/joblib file or an MLflow model directory",
        "chest_xray_classifier.h5",
    ),
    "cli-page-database-and-webhook": (
        """hokusai model register \\
  --token-id MSG-AI \\
  --model-path ./checkpoints/gpt_finetuned/ \\
  --metric reply_rate \\
  --baseline 0.134 \\
  --db-config ./config/production.json \\
  --mlflow-uri http://registry.hokus.ai/mlflow \\
  --webhook-url https://api.hokus.ai/webhooks/model-events""",
        "--db-config and --webhook-url belong to the pipeline's in-repo CLI, which wrote to its "
        "own database; the SDK tells the site through the registration event instead",
        "unrecognized arguments: --db-config",
    ),
}


def cli_argv(command: str) -> list[str]:
    """The arguments after ``hokusai`` in a page's command, as the shell splits them."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "hokusai", command
    return words[1:]


def model_path(command: str) -> str:
    argv = cli_argv(command)
    return argv[argv.index("--model-path") + 1]


def quickstart_sdk_flow(tracking_uri: str) -> None:
    """quickstart.md, sections 1 to 3: ``register_tokenized_model`` inside the user's own
    ``mlflow.start_run()`` (MLflow's default store), twice on the proposal's model."""
    # ---- 1. Initialize Your First Project
    from hokusai.core import ModelRegistry
    from hokusai.tracking import ExperimentManager

    # Initialize Hokusai
    registry = ModelRegistry(tracking_uri)
    manager = ExperimentManager(registry)  # noqa: F841 (the page's line)

    print("✅ Hokusai ML Platform initialized!")

    # ---- 2. Fulfill a Proposal with Your First Registration
    import mlflow.sklearn
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    # Generate sample data
    X, y = make_classification(n_samples=1000, n_features=20, n_informative=15, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

    # Train a baseline model
    with mlflow.start_run(run_name="baseline_model") as run:
        # Train model
        model = RandomForestClassifier(n_estimators=50, random_state=42)
        model.fit(X_train, y_train)

        # Calculate metrics
        y_pred = model.predict(X_test)
        accuracy = accuracy_score(y_test, y_pred)

        # Log metrics and model
        mlflow.log_metric("accuracy", accuracy)
        mlflow.sklearn.log_model(model, "model")

        # Register against the existing proposal
        model_uri = f"runs:/{run.info.run_id}/model"
        registered_model = registry.register_tokenized_model(  # noqa: F841 (the page's line)
            model_uri=model_uri,
            model_name="proposal-quickstart-classifier",
            token_id="QUICKSTART-AI",
            metric_name="accuracy",
            baseline_value=accuracy,
            additional_tags={"registration_flow": "proposal_fulfillment"},
        )

        print(f"✅ Proposal fulfilled with accuracy: {accuracy:.4f}")

    # ---- 3. Contribute Data and Improve the Model
    # Simulate contributed data (in practice, this would come from contributors)
    X_contrib, y_contrib = make_classification(
        n_samples=500,
        n_features=20,
        n_informative=18,  # More informative features
        random_state=123,
    )

    # Combine with original training data
    import numpy as np

    X_combined = np.vstack([X_train, X_contrib])
    y_combined = np.hstack([y_train, y_contrib])

    # Train improved model
    with mlflow.start_run(run_name="improved_model") as run:
        # Train on combined data
        improved_model = RandomForestClassifier(n_estimators=100, random_state=42)
        improved_model.fit(X_combined, y_combined)

        # Calculate new metrics
        y_pred_improved = improved_model.predict(X_test)
        accuracy_improved = accuracy_score(y_test, y_pred_improved)

        # Log everything
        mlflow.log_metric("accuracy", accuracy_improved)
        mlflow.log_param("data_contribution", "500_samples")
        mlflow.sklearn.log_model(improved_model, "model")

        registry.register_tokenized_model(
            model_uri=f"runs:/{run.info.run_id}/model",
            model_name="proposal-quickstart-classifier",
            token_id="QUICKSTART-AI",
            metric_name="accuracy",
            baseline_value=accuracy_improved,
            additional_tags={"data_contribution": "500_samples"},
        )

        print(f"✅ Improved model accuracy: {accuracy_improved:.4f}")
        print(f"📈 Improvement: {(accuracy_improved - accuracy) * 100:.2f} percentage points")


def registration_guide_option_b(tracking_uri: str) -> dict[str, Any]:
    """model-registration-guide.md, Step 3 Option B: ``main()`` of the complete example, which
    points MLflow itself at the registry and registers the run's model for the proposal.

    Returns the page's printed fields (what ``main()`` prints) for the tests to check.
    """
    import os

    import joblib
    import mlflow
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from hokusai.core import ModelRegistry, ModelVersionManager
    from hokusai.tracking import ExperimentManager, PerformanceTracker

    # 1. Initialize Hokusai components
    print("🚀 Initializing Hokusai ML Platform...")
    registry = ModelRegistry()
    version_manager = ModelVersionManager(registry)
    experiment_manager = ExperimentManager(registry)
    performance_tracker = PerformanceTracker()  # noqa: F841 (the page's line)

    # 2. Prepare your data
    print("\n📊 Preparing data...")
    X, y = make_classification(
        n_samples=1000, n_features=20, n_informative=15, n_classes=2, random_state=42
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

    # 3. Train your model within an experiment
    print("\n🔬 Training model...")
    with experiment_manager.start_experiment("customer_churn_prediction"):
        # Train model
        model = RandomForestClassifier(n_estimators=100, random_state=42)
        model.fit(X_train, y_train)

        # Calculate metrics
        y_pred = model.predict(X_test)
        accuracy = accuracy_score(y_test, y_pred)
        f1 = f1_score(y_test, y_pred)

        print(f"  Accuracy: {accuracy:.4f}")
        print(f"  F1 Score: {f1:.4f}")

        # Save model locally
        model_path = "churn_predictor.pkl"
        joblib.dump(model, model_path)

        # 4. Register with Hokusai
        print("\n📝 Registering model with Hokusai...")

        # Configure MLflow
        mlflow.set_tracking_uri(tracking_uri)
        os.environ["MLFLOW_TRACKING_TOKEN"] = os.getenv("HOKUSAI_API_KEY")  # type: ignore[assignment]

        # Log to MLflow
        with mlflow.start_run() as run:
            # Log model
            mlflow.sklearn.log_model(
                model, "model", registered_model_name="customer-churn-predictor"
            )

            # Log metrics
            mlflow.log_metric("accuracy", accuracy)
            mlflow.log_metric("f1_score", f1)
            mlflow.log_metric("training_samples", len(X_train))

            # Log parameters
            mlflow.log_param("model_type", "RandomForest")
            mlflow.log_param("n_estimators", 100)
            mlflow.log_param("feature_count", X.shape[1])

            # Register against the existing proposal model and token
            model_uri = f"runs:/{run.info.run_id}/model"
            registered_model = registry.register_tokenized_model(
                model_uri=model_uri,
                model_name="proposal-customer-churn",
                token_id="CHURN-AI",
                metric_name="accuracy",
                baseline_value=accuracy,
                additional_tags={
                    "registration_flow": "proposal_fulfillment",
                    "author": "data-science-team",
                    "use_case": "customer_retention",
                    "industry": "telecom",
                    "framework": "scikit-learn",
                    "data_version": "v2.1",
                },
            )

            # Register version for version management
            model_version = version_manager.register_version(  # noqa: F841 (the page's line)
                model, "customer_churn", "1.0.0", metrics={"accuracy": accuracy, "f1_score": f1}
            )

            print("\n✅ Model registered successfully!")
            print(f"   Name: {registered_model['model_name']}")
            print(f"   Version: {registered_model['version']}")
            print(f"   Token ID: {registered_model['token_id']}")
            print(f"   MLflow Run ID: {run.info.run_id}")
            return {
                "model_name": registered_model["model_name"],
                "version": registered_model["version"],
                "token_id": registered_model["token_id"],
                "run_id": run.info.run_id,
                "accuracy": accuracy,
            }


def registration_guide_option_c(tracking_uri: str) -> dict[str, Any]:
    """model-registration-guide.md, Step 3 Option C: MLflow alone, no SDK. The page's
    "Required Hokusai tags" go on the run, after ``log_model`` registered the version."""
    import os

    import mlflow
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    # Set up MLflow
    mlflow.set_tracking_uri(tracking_uri)
    os.environ["MLFLOW_TRACKING_TOKEN"] = os.getenv("HOKUSAI_API_KEY")  # type: ignore[assignment]

    # Train your model
    X, y = make_classification(n_samples=1000, n_features=20, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

    model = RandomForestClassifier(n_estimators=100, random_state=42)
    model.fit(X_train, y_train)

    # Calculate metrics
    accuracy = accuracy_score(y_test, model.predict(X_test))

    # Register with MLflow
    with mlflow.start_run() as run:
        # Log model with Hokusai metadata
        mlflow.sklearn.log_model(model, "model", registered_model_name="my-classifier")

        # Required Hokusai tags
        mlflow.set_tag("hokusai_token_id", "CLASS-001")
        mlflow.set_tag("benchmark_metric", "accuracy")
        mlflow.set_tag("benchmark_value", str(accuracy))

        # Log metrics
        mlflow.log_metric("accuracy", accuracy)

        print(f"✅ Model registered with run ID: {run.info.run_id}")
    return {"run_id": run.info.run_id, "accuracy": accuracy}
