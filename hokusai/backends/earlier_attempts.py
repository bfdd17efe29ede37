"""A repeated registration goes on with the run and logged model its earlier attempt made.

A registration that meets a 503 half-way is repeated whole by its retry policy (it is
``Kind.KEYED``): it looks its idempotency key up, finds no version, and logs the model again.
Without this, each failed attempt's run and logged model stay on the server, orphans that
no version points at. ``EarlierAttempts`` remembers, per idempotency key, what the attempts
of this registry (this process) created, and the client it hands to the logging step gives
those back instead of creating new ones:

- a run or logged model whose create was answered is read back by its id (one GET, on a
  repeat only) and reused, if it is still there; the files are uploaded into it again (the
  same paths, overwritten) and it is finalized again;
- a create whose answer never came (a timeout, a 503 after the write was applied) may have
  landed: the repeat looks for it by the idempotency key, which the run and the logged model
  carry as a tag, and reuses what it finds.

A first attempt costs nothing more: no lookups, only the key as one more tag on the run.
What another process made (a task retried elsewhere) is not looked for: it would cost every
registration a search.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from hokusai.models import TAG_IDEMPOTENCY_KEY

logger = logging.getLogger(__name__)

# Keys remembered per registry; the oldest are forgotten first (a repeat follows its attempt
# within the retry deadline, so only recent keys matter).
REMEMBERED = 1024


@dataclass
class _Made:
    run_id: str | None = None
    model_id: str | None = None
    # A create was sent and its answer never came: it may have landed.
    run_unsure: bool = False
    model_unsure: bool = False


class EarlierAttempts:
    """What the attempts of one registry's registrations created, by idempotency key."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._lock = threading.Lock()
        self._made: OrderedDict[str, _Made] = OrderedDict()
        self._remembered = remembered

    def client_for(self, client: Any, key: str) -> Any:
        """``client`` as the logging step of registration ``key`` should see it."""
        with self._lock:
            made = self._made.pop(key, None) or _Made()
            self._made[key] = made
            while len(self._made) > self._remembered:
                self._made.popitem(last=False)
        return _Resuming(client, key, made)


class _Resuming:
    """An ``MlflowClient`` whose run and logged-model creates reuse what an earlier attempt
    of the same registration made; every other call goes to the client unchanged."""

    def __init__(self, client: Any, key: str, made: _Made) -> None:
        self._client = client
        self._key = key
        self._made = made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _tagged(self) -> str:
        return f"tags.`{TAG_IDEMPOTENCY_KEY}` = '{self._key}'"

    def create_run(self, experiment_id: str, *args: Any, **kwargs: Any) -> Any:
        earlier = self._earlier_run(experiment_id)
        if earlier is not None:
            logger.info("Going on with run %s of an earlier attempt.", earlier.info.run_id)
            return earlier
        kwargs["tags"] = {**(kwargs.get("tags") or {}), TAG_IDEMPOTENCY_KEY: self._key}
        self._made.run_unsure = True
        run = self._client.create_run(experiment_id, *args, **kwargs)
        self._made.run_id, self._made.run_unsure = run.info.run_id, False
        return run

    def create_logged_model(self, experiment_id: str, *args: Any, **kwargs: Any) -> Any:
        earlier = self._earlier_model(experiment_id)
        if earlier is not None:
            logger.info("Going on with logged model %s of an earlier attempt.", earlier.model_id)
            return earlier
        self._made.model_unsure = True
        logged = self._client.create_logged_model(experiment_id, *args, **kwargs)
        self._made.model_id, self._made.model_unsure = logged.model_id, False
        return logged

    def _earlier_run(self, experiment_id: str) -> Any:
        made = self._made
        if made.run_id is not None:
            run = _unless_gone(lambda: self._client.get_run(made.run_id))
            if run is not None and run.info.lifecycle_stage == "active":
                return run
            made.run_id = None
            return None
        if made.run_unsure:
            found = self._client.search_runs([experiment_id], self._tagged(), max_results=1)
            if found:
                made.run_id, made.run_unsure = found[0].info.run_id, False
                return found[0]
        return None

    def _earlier_model(self, experiment_id: str) -> Any:
        made = self._made
        if made.model_id is not None:
            logged = _unless_gone(lambda: self._client.get_logged_model(made.model_id))
            if logged is not None and str(logged.experiment_id) == str(experiment_id):
                return logged
            made.model_id = None
            return None
        if made.model_unsure:
            found = _unless_gone(
                lambda: self._client.search_logged_models(
                    [experiment_id], self._tagged(), max_results=1
                )
            )
            if found:
                made.model_id, made.model_unsure = found[0].model_id, False
                return found[0]
        return None


def _unless_gone(read: Any) -> Any:
    """``read()``, or None when what it reads no longer exists."""
    try:
        return read()
    except Exception as exc:
        if getattr(exc, "error_code", None) in ("RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND"):
            return None
        raise
