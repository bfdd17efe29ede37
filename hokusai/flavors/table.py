"""The frameworks whose model objects ``register_model`` takes: the one place to add one.

Each row names the classes that identify the framework's models by ``module.qualname`` (looked up
in the object's MRO, so nothing is imported to decide), the MLflow flavor module that saves
them, and the distributions the saved model needs, pinned at their installed versions.
Order matters: the first row whose class the object has wins, so a framework whose models also
derive from another's (XGBoost and LightGBM from scikit-learn, Keras 3 from ``torch.nn.Module``)
comes before it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flavor:
    """How one framework's model objects are recognised and saved."""

    name: str
    label: str
    classes: tuple[str, ...]
    mlflow_module: str
    distributions: tuple[str, ...]
    # How the flavor's save_model takes the model: first positional argument, or this keyword
    # (``mlflow.pyfunc.save_model(path, python_model=...)``).
    model_keyword: str | None = None
    # Options for the flavor's save_model when no input example is given, for formats that
    # cannot be written without one.
    without_example: tuple[tuple[str, object], ...] = ()
    # For flavors that may save in MLflow's skops format: the packages whose types a model is
    # trusted to load with (``hokusai.flavors.skops_trust``).
    skops_trusted_packages: tuple[str, ...] = ()

    def matches(self, class_names: frozenset[str]) -> bool:
        return not class_names.isdisjoint(self.classes)


FLAVORS: tuple[Flavor, ...] = (
    Flavor(
        name="hokusai",
        label="hokusai.core.models.HokusaiModel subclasses",
        classes=("hokusai.platform.hokusai_model.HokusaiModel",),
        mlflow_module="hokusai.flavors.hokusai_model",
        distributions=("cloudpickle",),
    ),
    Flavor(
        name="pyfunc",
        label="mlflow.pyfunc.PythonModel",
        classes=("mlflow.pyfunc.model.PythonModel",),
        mlflow_module="mlflow.pyfunc",
        distributions=("cloudpickle",),
        model_keyword="python_model",
    ),
    Flavor(
        name="xgboost",
        label="XGBoost (XGBClassifier/XGBRegressor/... and Booster)",
        classes=("xgboost.sklearn.XGBModel", "xgboost.core.Booster"),
        mlflow_module="mlflow.xgboost",
        distributions=("xgboost",),
    ),
    Flavor(
        name="lightgbm",
        label="LightGBM (LGBMClassifier/LGBMRegressor/... and Booster)",
        classes=("lightgbm.sklearn.LGBMModel", "lightgbm.basic.Booster"),
        mlflow_module="mlflow.lightgbm",
        distributions=("lightgbm",),
    ),
    Flavor(
        name="catboost",
        label="CatBoost (CatBoostClassifier/CatBoostRegressor/...)",
        classes=("catboost.core.CatBoost",),
        mlflow_module="mlflow.catboost",
        distributions=("catboost",),
    ),
    Flavor(
        name="sklearn",
        label="scikit-learn estimators and pipelines",
        classes=("sklearn.base.BaseEstimator",),
        mlflow_module="mlflow.sklearn",
        # MLflow saves scikit-learn models in the skops format by default; loading needs it too.
        distributions=("scikit-learn", "skops"),
        skops_trusted_packages=("sklearn", "numpy", "scipy"),
    ),
    Flavor(
        name="transformers",
        label="Transformers pipelines (transformers.Pipeline)",
        classes=("transformers.pipelines.base.Pipeline",),
        mlflow_module="mlflow.transformers",
        distributions=("transformers",),
    ),
    Flavor(
        name="keras",
        label="Keras 3 models (keras.Model, any backend)",
        classes=("keras.src.models.model.Model",),
        mlflow_module="mlflow.keras",
        distributions=("keras",),
    ),
    Flavor(
        name="pytorch",
        label="PyTorch torch.nn.Module",
        classes=("torch.nn.modules.module.Module",),
        mlflow_module="mlflow.pytorch",
        distributions=("torch", "cloudpickle"),
        # MLflow's default "pt2" traces the module with the input example; without one, pickle.
        without_example=(("serialization_format", "pickle"),),
    ),
    Flavor(
        name="onnx",
        label="ONNX onnx.ModelProto",
        classes=("onnx.onnx_ml_pb2.ModelProto", "onnx.onnx_pb.ModelProto"),
        mlflow_module="mlflow.onnx",
        distributions=("onnx", "onnxruntime"),
    ),
    Flavor(
        name="statsmodels",
        label="statsmodels fitted results",
        classes=("statsmodels.base.wrapper.ResultsWrapper", "statsmodels.base.model.Results"),
        mlflow_module="mlflow.statsmodels",
        distributions=("statsmodels",),
    ),
)
