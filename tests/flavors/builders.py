"""A tiny trained model of each framework, built in milliseconds, no downloaded weights.

Each builder returns a ``Case``: the model, an input, and what the model itself predicts for it,
read the way the loaded pyfunc model's answer is read. Used by the tests and by
``benchmarks/flavor_save_time.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

RNG = np.random.default_rng(7)
FEATURES = RNG.random((24, 3)).astype(np.float32)
LABELS = (FEATURES[:, 0] + FEATURES[:, 1] > 1.0).astype(np.int64)


def as_array(prediction: Any) -> np.ndarray:
    return np.asarray(prediction, dtype=np.float64).reshape(-1)


@dataclass
class Case:
    flavor: str
    model: Any
    sample: Any
    expected: np.ndarray
    # How the loaded model's answer is turned into ``expected``'s form.
    read: Callable[[Any], np.ndarray] = field(default=as_array)


def sklearn_pipeline() -> Case:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(FEATURES, LABELS)
    return Case("sklearn", model, FEATURES, as_array(model.predict(FEATURES)))


# The scikit-learn models users commonly register: MLflow's skops format (3.18's default) loads
# each only with the types it is told to trust (a forest's ``sklearn.tree._tree.Tree``, a search's
# scorer and splitter, a calibrated model's calibrators).
def _fitted(model: Any, sample: Any = FEATURES) -> Case:
    model.fit(sample, LABELS)
    return Case("sklearn", model, sample, as_array(model.predict(sample)))


def _frame() -> Any:
    import pandas as pd

    plan = np.array(["basic", "plus", "pro"])[(FEATURES[:, 2] * 3).astype(int)]
    return pd.DataFrame({"usage": FEATURES[:, 0], "tenure": FEATURES[:, 1], "plan": plan})


def _forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=3, max_depth=3, random_state=7)


def _boosting() -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=7)


def sklearn_decision_tree() -> Case:
    from sklearn.tree import DecisionTreeRegressor

    return _fitted(DecisionTreeRegressor(max_depth=3, random_state=7))


def sklearn_random_forest() -> Case:
    return _fitted(_forest())


def sklearn_extra_trees() -> Case:
    from sklearn.ensemble import ExtraTreesRegressor

    return _fitted(ExtraTreesRegressor(n_estimators=3, max_depth=3, random_state=7))


def sklearn_gradient_boosting() -> Case:
    return _fitted(_boosting())


def sklearn_hist_gradient_boosting() -> Case:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return _fitted(HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=2))


def sklearn_pipeline_with_forest() -> Case:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return _fitted(make_pipeline(StandardScaler(), _forest()))


def sklearn_column_transformer_with_boosting() -> Case:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer(
        [
            ("numbers", StandardScaler(), ["usage", "tenure"]),
            ("plan", OneHotEncoder(handle_unknown="ignore"), ["plan"]),
        ]
    )
    model = make_pipeline(columns, HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=2))
    return _fitted(model, _frame())


def sklearn_calibrated_forest() -> Case:
    from sklearn.calibration import CalibratedClassifierCV

    return _fitted(CalibratedClassifierCV(_forest(), cv=2))


def sklearn_grid_search_forest() -> Case:
    from sklearn.model_selection import GridSearchCV

    return _fitted(GridSearchCV(_forest(), {"max_depth": [2, 3]}, cv=2))


def sklearn_randomized_search_boosting() -> Case:
    from sklearn.model_selection import RandomizedSearchCV

    search = RandomizedSearchCV(_boosting(), {"max_depth": [1, 2]}, n_iter=2, cv=2, random_state=7)
    return _fitted(search)


def xgboost_classifier() -> Case:
    import xgboost

    model = xgboost.XGBClassifier(n_estimators=4, max_depth=2).fit(FEATURES, LABELS)
    return Case("xgboost", model, FEATURES, as_array(model.predict(FEATURES)))


def xgboost_booster() -> Case:
    import xgboost

    booster = xgboost.train({"max_depth": 2}, xgboost.DMatrix(FEATURES, label=LABELS), 4)
    expected = as_array(booster.predict(xgboost.DMatrix(FEATURES)))
    return Case("xgboost", booster, FEATURES, expected)


def lightgbm_classifier() -> Case:
    import lightgbm

    model = lightgbm.LGBMClassifier(n_estimators=4, min_child_samples=2, verbose=-1)
    model.fit(FEATURES, LABELS)
    return Case("lightgbm", model, FEATURES, as_array(model.predict(FEATURES)))


def lightgbm_booster() -> Case:
    import lightgbm

    params = {"objective": "regression", "min_data_in_leaf": 2, "verbose": -1}
    booster = lightgbm.train(params, lightgbm.Dataset(FEATURES, label=LABELS), 4)
    return Case("lightgbm", booster, FEATURES, as_array(booster.predict(FEATURES)))


def catboost_regressor() -> Case:
    import catboost

    model = catboost.CatBoostRegressor(
        iterations=4, depth=2, verbose=False, allow_writing_files=False
    )
    model.fit(FEATURES, LABELS)
    return Case("catboost", model, FEATURES, as_array(model.predict(FEATURES)))


def statsmodels_ols() -> Case:
    import statsmodels.api as sm

    design = sm.add_constant(FEATURES.astype(np.float64))
    results = sm.OLS(LABELS.astype(np.float64), design).fit()
    return Case("statsmodels", results, design, as_array(results.predict(design)))


def torch_module() -> Case:
    import torch

    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        expected = as_array(model(torch.from_numpy(FEATURES)).numpy())
    return Case("pytorch", model, FEATURES, expected)


def keras_model() -> Case:
    import keras

    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(FEATURES, LABELS.astype(np.float32), epochs=1, verbose=0)
    return Case("keras", model, FEATURES, as_array(model.predict(FEATURES, verbose=0)))


def onnx_linear() -> Case:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = RNG.random((3, 1)).astype(np.float32)
    bias = np.array([0.25], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["y"]),
        ],
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])],
        [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what the installed onnxruntime reads
    onnx.checker.check_model(model)
    return Case("onnx", model, FEATURES, as_array(FEATURES @ weights + bias), _onnx_output)


def _onnx_output(prediction: Any) -> np.ndarray:
    # The ONNX flavor answers with a DataFrame (or dict) holding one column per graph output.
    return as_array(np.stack(prediction["y"]))


def transformers_pipeline(workdir: Path) -> Case:
    """A randomly initialised one-layer BERT with a word-level vocabulary written here."""
    import torch
    import transformers

    words = ["good", "bad", "fine", "awful", "movie", "plot"]
    vocab = workdir / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab))
    torch.manual_seed(7)
    config = transformers.BertConfig(
        vocab_size=len(words) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config).eval()
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tokenizer)
    sample = ["good movie", "awful plot", "fine"]
    expected = as_array([answer["score"] for answer in pipe(sample)])
    return Case("transformers", pipe, sample, expected, _scores)


def _scores(prediction: Any) -> np.ndarray:
    return as_array(prediction["score"])


BUILDERS: dict[str, Callable[[], Case]] = {
    "sklearn-pipeline": sklearn_pipeline,
    "xgboost-classifier": xgboost_classifier,
    "xgboost-booster": xgboost_booster,
    "lightgbm-classifier": lightgbm_classifier,
    "lightgbm-booster": lightgbm_booster,
    "catboost-regressor": catboost_regressor,
    "statsmodels-ols": statsmodels_ols,
    "torch-module": torch_module,
    "keras-model": keras_model,
    "onnx-linear": onnx_linear,
}

SKLEARN_BUILDERS: dict[str, Callable[[], Case]] = {
    "decision-tree": sklearn_decision_tree,
    "random-forest": sklearn_random_forest,
    "extra-trees": sklearn_extra_trees,
    "gradient-boosting": sklearn_gradient_boosting,
    "hist-gradient-boosting": sklearn_hist_gradient_boosting,
    "pipeline-with-forest": sklearn_pipeline_with_forest,
    "column-transformer-with-boosting": sklearn_column_transformer_with_boosting,
    "calibrated-forest": sklearn_calibrated_forest,
    "grid-search-forest": sklearn_grid_search_forest,
    "randomized-search-boosting": sklearn_randomized_search_boosting,
}
