"""The earlier SDK's ``HokusaiInferencePipeline``: predictions from registered models.

What changed, and why:

- models are the registered ones, loaded with ``registry.load_model`` (their real files, as an
  ``mlflow.pyfunc`` model); the earlier pipeline built a placeholder model from the factory
  instead, whose predictions were made up;
- results are cached in this process (least recently used, ``ttl_seconds``); Redis is no longer
  used, and ``CacheConfig``'s ``redis_*`` fields are ignored (a ``DeprecationWarning`` says so
  when they are set). A request whose data is not JSON is not cached: its cache key would not
  identify it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from hokusai.earlier.versioning import ModelVersionManager
from hokusai.errors import HokusaiError

if TYPE_CHECKING:
    from hokusai.earlier.ab_testing import ModelTrafficRouter
    from hokusai.models import ModelRegistryEntry
    from hokusai.registry import ModelRegistry

logger = logging.getLogger(__name__)


class InferenceException(HokusaiError, RuntimeError):
    """A prediction could not be made: no such model, or the model failed (see ``__cause__``)."""

    default_hint = ""


@dataclass
class CacheConfig:
    """Result caching. ``redis_*`` are the earlier SDK's and no longer used."""

    enabled: bool = True
    ttl_seconds: int = 300
    max_cache_size_mb: int = 1024
    eviction_policy: str = "lru"
    redis_host: str = "localhost"
    redis_port: int = 6379
    redis_db: int = 0
    max_entries: int = 10_000


_REDIS_FIELDS = ("redis_host", "redis_port", "redis_db")


@dataclass
class InferenceRequest:
    request_id: str
    model_type: str
    data: Any
    user_id: str | None = None
    model_version: str | None = None
    metadata: dict[str, Any] | None = None
    preprocessing_required: bool = False
    postprocessing_required: bool = False

    def get_cache_key(self) -> str | None:
        """A key naming this model and data, or None when the data is not JSON."""
        try:
            data = json.dumps(self.data, sort_keys=True)
        except (TypeError, ValueError):
            return None
        text = ":".join([self.model_type, self.model_version or "latest", data])
        return f"inference:{hashlib.sha256(text.encode()).hexdigest()}"


@dataclass
class InferenceResponse:
    request_id: str
    prediction: Any
    model_version: str
    model_id: str
    latency_ms: float
    cache_hit: bool = False
    ab_test_id: str | None = None
    fallback_used: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadedModel:
    """A registered version and its loaded model; ``predict`` is the model's."""

    entry: ModelRegistryEntry
    model: Any

    @property
    def model_id(self) -> str:
        return str(self.entry.model_id)

    @property
    def version(self) -> str:
        """The model's own version when it has one, else the registry's number."""
        return str(self.entry.model_version or self.entry.version)

    def predict(self, data: Any) -> Any:
        return self.model.predict(data)

    def batch_predict(self, batch: list[Any]) -> list[Any]:
        return [self.model.predict(item) for item in batch]


class BatchProcessor:
    async def process_batch(self, requests: list[InferenceRequest], model: Any) -> list[Any]:
        return list(model.batch_predict([request.data for request in requests]))


class _ResultCache:
    """Least recently used, each entry valid for ``ttl`` seconds."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self._ttl, self._max = ttl, max_entries
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, key: str | None) -> dict[str, Any] | None:
        found = self._items.get(key) if key else None
        if found is None or key is None:
            return None
        if time.monotonic() - found[0] > self._ttl:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return found[1]

    def put(self, key: str | None, value: dict[str, Any]) -> None:
        if key is None:
            return
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class HokusaiInferencePipeline:
    """Predict with the latest (or a given ``X.Y.Z``) version of a model type, or the model an
    active A/B test assigns the user; falls back to the previous version when a prediction
    fails and no version was asked for.

    ``HokusaiInferencePipeline(registry)`` builds the version manager and router itself; the
    earlier form ``(registry, version_manager, traffic_router, cache_config)`` still works.
    """

    def __init__(
        self,
        registry: ModelRegistry,
        version_manager: ModelVersionManager | None = None,
        traffic_router: ModelTrafficRouter | None = None,
        cache_config: CacheConfig | None = None,
        max_models_in_memory: int = 10,
    ) -> None:
        from hokusai.earlier.ab_testing import ModelTrafficRouter

        self.registry = registry
        self.version_manager = version_manager or ModelVersionManager(registry)
        self.traffic_router = traffic_router or ModelTrafficRouter()
        self.cache_config = cache_config or CacheConfig()
        self.max_models_in_memory = max_models_in_memory
        _warn_redis(self.cache_config)
        self.cache = (
            _ResultCache(self.cache_config.ttl_seconds, self.cache_config.max_entries)
            if self.cache_config.enabled
            else None
        )
        self.model_cache: OrderedDict[str, LoadedModel] = OrderedDict()
        self.batch_processor = BatchProcessor()
        self.preprocessor: Any = None
        self.postprocessor: Any = None

    async def predict(self, request: InferenceRequest) -> InferenceResponse:
        start = time.perf_counter()
        key = request.get_cache_key()
        cached = self._get_from_cache(key)
        if cached is not None:
            return InferenceResponse(
                request_id=request.request_id,
                prediction=cached["prediction"],
                model_version=cached["model_version"],
                model_id=cached["model_id"],
                latency_ms=(time.perf_counter() - start) * 1000,
                cache_hit=True,
            )
        try:
            model_id, ab_test_id = self._select_model(request)
            model = self._load_model(model_id)
            data = request.data
            if request.preprocessing_required and self.preprocessor:
                data = self.preprocessor.process(data)
            model, prediction, fallback_used = self._predict_with_fallback(model, data, request)
            if request.postprocessing_required and self.postprocessor:
                prediction = self.postprocessor.process(prediction)
        except HokusaiError:
            raise
        except Exception as exc:
            raise InferenceException(f"Inference failed: {exc}") from exc
        self._save_to_cache(key, prediction, model)
        latency_ms = (time.perf_counter() - start) * 1000
        if ab_test_id:
            self.traffic_router.record_metric(ab_test_id, model.model_id, "latency", latency_ms)
            if isinstance(prediction, dict) and "confidence" in prediction:
                self.traffic_router.record_metric(
                    ab_test_id, model.model_id, "confidence", prediction["confidence"]
                )
        return InferenceResponse(
            request_id=request.request_id,
            prediction=prediction,
            model_version=model.version,
            model_id=model.model_id,
            latency_ms=latency_ms,
            ab_test_id=ab_test_id,
            fallback_used=fallback_used,
        )

    def _predict_with_fallback(
        self, model: LoadedModel, data: Any, request: InferenceRequest
    ) -> tuple[LoadedModel, Any, bool]:
        try:
            return model, model.predict(data), False
        except Exception:
            previous = None if request.model_version else self._get_fallback_model(model)
            if previous is None:
                raise
            logger.warning(
                "Model %s failed to predict; using the previous version %s.",
                model.model_id,
                previous,
            )
            fallback = self._load_model(previous)
            return fallback, fallback.predict(data), True

    async def batch_predict(self, requests: list[InferenceRequest]) -> list[InferenceResponse]:
        """Predict for many requests, loading each model once per (type, version) group."""
        groups: dict[tuple[str, str], list[InferenceRequest]] = {}
        for request in requests:
            groups.setdefault((request.model_type, request.model_version or "latest"), []).append(
                request
            )
        responses: list[InferenceResponse] = []
        for (model_type, version), group in groups.items():
            todo = []
            for request in group:
                cached = self._get_from_cache(request.get_cache_key())
                if cached is None:
                    todo.append(request)
                    continue
                responses.append(
                    InferenceResponse(
                        request_id=request.request_id,
                        prediction=cached["prediction"],
                        model_version=cached["model_version"],
                        model_id=cached["model_id"],
                        latency_ms=0.0,
                        cache_hit=True,
                    )
                )
            if not todo:
                continue
            model = self._load_model(self._model_id_for(model_type, version))
            start = time.perf_counter()
            predictions = await self.batch_processor.process_batch(todo, model)
            each_ms = (time.perf_counter() - start) * 1000 / len(todo)
            for request, prediction in zip(todo, predictions, strict=True):
                self._save_to_cache(request.get_cache_key(), prediction, model)
                responses.append(
                    InferenceResponse(
                        request_id=request.request_id,
                        prediction=prediction,
                        model_version=model.version,
                        model_id=model.model_id,
                        latency_ms=each_ms,
                    )
                )
        return responses

    def _select_model(self, request: InferenceRequest) -> tuple[str, str | None]:
        if request.user_id:
            for test_id in self.traffic_router.list_active_tests():
                return self.traffic_router.route_request(test_id, request.user_id), test_id
        return self._model_id_for(request.model_type, request.model_version or "latest"), None

    def _model_id_for(self, model_type: str, version: str) -> str:
        if version == "latest":
            entry = self.registry.get_latest_model(model_type)
            if entry is None:
                raise InferenceException(f"No models found for type {model_type}")
            return str(entry.model_id)
        for entry in self.registry.list_models_by_type(model_type):
            if entry.model_version == version:
                return str(entry.model_id)
        raise InferenceException(f"Version {version} not found for model type {model_type}")

    def _load_model(self, model_id: str) -> LoadedModel:
        """The model registered with ``model_id``; the most recently used stay in memory."""
        if model_id in self.model_cache:
            self.model_cache.move_to_end(model_id)
            return self.model_cache[model_id]
        entry = self.registry.get_model_by_id(model_id)
        loaded = LoadedModel(entry, self.registry.load_model(entry.name, str(entry.version)))
        self.model_cache[model_id] = loaded
        while len(self.model_cache) > self.max_models_in_memory:
            self.model_cache.popitem(last=False)
        return loaded

    def _get_fallback_model(self, model: LoadedModel) -> str | None:
        own = model.entry.model_version
        kind = model.entry.model_type or model.entry.name
        if not own:
            return None
        previous = self.version_manager.get_previous_version(kind, own)
        return str(previous.model_id) if previous else None

    def _get_from_cache(self, key: str | None) -> dict[str, Any] | None:
        return self.cache.get(key) if self.cache else None

    def _save_to_cache(self, key: str | None, prediction: Any, model: LoadedModel) -> None:
        if self.cache:
            self.cache.put(
                key,
                {
                    "prediction": prediction,
                    "model_version": model.version,
                    "model_id": model.model_id,
                },
            )


def _warn_redis(config: CacheConfig) -> None:
    defaults = {f.name: f.default for f in fields(CacheConfig)}
    changed = [name for name in _REDIS_FIELDS if getattr(config, name) != defaults[name]]
    if changed:
        warnings.warn(
            f"CacheConfig {', '.join(changed)} are ignored: HokusaiInferencePipeline caches "
            "results in this process (ttl_seconds, max_entries) and no longer uses Redis.",
            DeprecationWarning,
            stacklevel=3,
        )


__all__ = [
    "BatchProcessor",
    "CacheConfig",
    "HokusaiInferencePipeline",
    "InferenceException",
    "InferenceRequest",
    "InferenceResponse",
    "LoadedModel",
]
