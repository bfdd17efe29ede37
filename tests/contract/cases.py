"""Request scenarios and the answers a real ``mlflow server`` (behind the proxy) gives them.

Each table maps a scenario id to a :class:`Case`; ``test_contract_refusals`` runs every one
against the fake and against the real stack. The expected answers were read off the real
server: where the fake disagrees, the fake is wrong. ``on_3_9`` is what an MLflow 3.9.0 server
(the platform's pin) answers where that differs from the newest server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from tests.contract.api import Api, Case, unique

OK = (200, None)
INVALID = (400, "INVALID_PARAMETER_VALUE")
NOT_FOUND = (404, "RESOURCE_DOES_NOT_EXIST")
EXISTS = (400, "RESOURCE_ALREADY_EXISTS")

LONG_KEY = "k" * 251  # one past MLflow's 250-character limit on keys and names
Act = Callable[[Api], requests.Response]


def send(api: Api, method: str, path: str, fields: dict[str, Any]) -> requests.Response:
    if method == "GET":
        return api.call(method, path, params=fields)
    return api.call(method, path, fields)


def on_run(path: str, **fields: Any) -> Act:
    return lambda api: send(api, "POST", path, {"run_id": api.run(), **fields})


def on_experiment(method: str, path: str, **fields: Any) -> Act:
    return lambda api: send(api, method, path, {"experiment_id": api.experiment(), **fields})


def on_model(method: str, path: str, **fields: Any) -> Act:
    return lambda api: send(api, method, path, {"name": api.model(), **fields})


def on_version(method: str, path: str, **fields: Any) -> Act:
    def act(api: Api) -> requests.Response:
        name, version = api.version()
        return send(api, method, path, {"name": name, "version": version, **fields})

    return act


def plain(method: str, path: str, **fields: Any) -> Act:
    return lambda api: send(api, method, path, fields)


def new_model(**fields: Any) -> Act:
    return lambda api: send(api, "POST", "registered-models/create", fields)


def new_experiment(**fields: Any) -> Act:
    return lambda api: send(api, "POST", "experiments/create", fields)


def metric(value: Any = 1.0, **extra: Any) -> dict[str, Any]:
    return {"key": "m", "value": value, "timestamp": 1, "step": 0, **extra}


def _new_version_from(source: str, *, with_run: bool = True) -> Act:
    def act(api: Api) -> requests.Response:
        run_id = api.run()
        body = {"name": api.model(), "source": source.format(run_id=run_id)}
        if with_run:
            body["run_id"] = run_id
        return api.call("POST", "model-versions/create", body)

    return act


# -- validation: names, keys, values, lengths, types ----------------------------------------------
VALIDATION: dict[str, Case] = {
    "model-name-empty": Case(INVALID, new_model(name="")),
    "model-name-missing": Case(INVALID, new_model()),
    "model-name-number": Case(INVALID, new_model(name=12)),
    "model-name-list": Case(INVALID, new_model(name=["a"])),
    "model-name-slash": Case(INVALID, new_model(name="a/b"), on_3_9=OK),
    "model-name-colon": Case(
        INVALID,
        lambda api: send(api, "POST", "registered-models/create", {"name": unique("a:b")}),
        on_3_9=OK,
    ),
    "model-name-space": Case(
        OK, lambda api: send(api, "POST", "registered-models/create", {"name": unique("a b")})
    ),
    "model-tags-not-a-list": Case(INVALID, new_model(name="t", tags="x")),
    "model-tag-key-invalid": Case(
        INVALID,
        lambda api: new_model(name=unique("t"), tags=[{"key": "bad/../k", "value": "v"}])(api),
    ),
    "model-tag-key-too-long": Case(
        INVALID,
        lambda api: new_model(name=unique("t"), tags=[{"key": LONG_KEY, "value": "v"}])(api),
    ),
    "model-tag-value-long": Case(
        OK, lambda api: new_model(name=unique("t"), tags=[{"key": "k", "value": "v" * 5001}])(api)
    ),
    "model-tag-value-too-long": Case(
        INVALID,
        lambda api: new_model(name=unique("t"), tags=[{"key": "k", "value": "v" * 100001}])(api),
    ),
    "model-set-tag-key-empty": Case(
        INVALID, on_model("POST", "registered-models/set-tag", key="", value="v")
    ),
    "model-set-tag-value-number": Case(
        INVALID, on_model("POST", "registered-models/set-tag", key="k", value=5)
    ),
    "model-description-number": Case(
        INVALID, on_model("PATCH", "registered-models/update", description=5)
    ),
    "model-rename-empty": Case(INVALID, on_model("POST", "registered-models/rename", new_name="")),
    "version-tag-key-invalid": Case(
        INVALID, on_version("POST", "model-versions/set-tag", key="a\nb", value="v")
    ),
    "version-tag-key-too-long": Case(
        INVALID, on_version("POST", "model-versions/set-tag", key=LONG_KEY, value="v")
    ),
    "alias-empty": Case(INVALID, on_version("POST", "registered-models/alias", alias="")),
    "alias-slash": Case(INVALID, on_version("POST", "registered-models/alias", alias="a/b")),
    "alias-too-long": Case(INVALID, on_version("POST", "registered-models/alias", alias="a" * 256)),
    "alias-reserved-v1": Case(INVALID, on_version("POST", "registered-models/alias", alias="v1")),
    "alias-reserved-latest-caps": Case(
        INVALID, on_version("POST", "registered-models/alias", alias="LATEST")
    ),
    "experiment-name-empty": Case(INVALID, new_experiment(name="")),
    "experiment-name-number": Case(INVALID, new_experiment(name=7)),
    "experiment-name-too-long": Case(INVALID, new_experiment(name="e" * 501)),
    "experiment-tag-key-invalid": Case(
        INVALID, on_experiment("POST", "experiments/set-experiment-tag", key="a\tb", value="v")
    ),
    "experiment-tag-value-too-long": Case(
        OK,
        on_experiment("POST", "experiments/set-experiment-tag", key="k", value="v" * 5001),
        on_3_9=INVALID,
    ),
    "experiment-artifact-location-number": Case(
        INVALID, new_experiment(name="x", artifact_location=3)
    ),
    "param-key-invalid": Case(INVALID, on_run("runs/log-parameter", key="a\nb", value="v")),
    "param-key-traversal": Case(INVALID, on_run("runs/log-parameter", key="../x", value="v")),
    "param-key-absolute": Case(INVALID, on_run("runs/log-parameter", key="/x", value="v")),
    "param-key-too-long": Case(INVALID, on_run("runs/log-parameter", key=LONG_KEY, value="v")),
    "param-key-empty": Case(INVALID, on_run("runs/log-parameter", key="", value="v")),
    "param-value-6000": Case(OK, on_run("runs/log-parameter", key="k", value="v" * 6000)),
    "param-value-too-long": Case(OK, on_run("runs/log-parameter", key="k", value="v" * 6001)),
    "param-value-number": Case(INVALID, on_run("runs/log-parameter", key="k", value=3)),
    "run-tag-key-invalid": Case(INVALID, on_run("runs/set-tag", key="a\nb", value="v")),
    "run-tag-key-too-long": Case(INVALID, on_run("runs/set-tag", key=LONG_KEY, value="v")),
    "run-tag-value-8000": Case(OK, on_run("runs/set-tag", key="k", value="v" * 8000)),
    "run-tag-value-too-long": Case(OK, on_run("runs/set-tag", key="k", value="v" * 8001)),
    "metric-key-invalid": Case(INVALID, on_run("runs/log-metric", **metric(key="a\nb"))),
    "metric-value-text": Case(INVALID, on_run("runs/log-metric", **metric(value="high"))),
    "metric-value-missing": Case(INVALID, on_run("runs/log-metric", key="m", timestamp=1)),
    "metric-timestamp-missing": Case(INVALID, on_run("runs/log-metric", key="m", value=1.0)),
    "metric-timestamp-text": Case(INVALID, on_run("runs/log-metric", **metric(timestamp="now"))),
    "metric-value-nan": Case(OK, on_run("runs/log-metric", **metric(value="NaN"))),
    "metric-value-infinity": Case(OK, on_run("runs/log-metric", **metric(value="Infinity"))),
    "batch-duplicate-params": Case(
        INVALID,
        on_run("runs/log-batch", params=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]),
    ),
    "batch-duplicate-params-same-value": Case(
        INVALID,
        on_run("runs/log-batch", params=[{"key": "a", "value": "1"}, {"key": "a", "value": "1"}]),
    ),
    "batch-duplicate-tags": Case(
        OK, on_run("runs/log-batch", tags=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
    ),
    "batch-too-many-params": Case(
        INVALID,
        on_run("runs/log-batch", params=[{"key": f"p{i}", "value": "v"} for i in range(101)]),
    ),
    "batch-too-many-metrics": Case(
        INVALID, on_run("runs/log-batch", metrics=[metric(step=i) for i in range(1001)])
    ),
    "batch-params-not-a-list": Case(
        INVALID, on_run("runs/log-batch", params={"key": "a", "value": "1"})
    ),
    "batch-metric-without-key": Case(
        INVALID, on_run("runs/log-batch", metrics=[{"value": 1.0, "timestamp": 1}])
    ),
    "batch-param-value-too-long": Case(
        OK, on_run("runs/log-batch", params=[{"key": "a", "value": "v" * 6001}])
    ),
    "run-experiment-id-number": Case(
        INVALID,
        lambda api: api.call("POST", "runs/create", {"experiment_id": int(api.experiment())}),
        on_3_9=OK,
    ),
    "run-update-status-unknown": Case(OK, on_run("runs/update", status="DONE")),
    "run-start-time-text": Case(INVALID, on_experiment("POST", "runs/create", start_time="soon")),
    "search-max-results-text": Case(
        INVALID, plain("GET", "registered-models/search", max_results="many")
    ),
    "source-local-path": Case(INVALID, _new_version_from("/tmp/model")),
    "source-file-uri": Case(INVALID, _new_version_from("file:///tmp/model")),
    "source-relative-traversal": Case(INVALID, _new_version_from("runs:/{run_id}/../../x")),
    "source-other-run": Case(
        INVALID, lambda api: _new_version_from("runs:/" + api.run() + "/model")(api), on_3_9=OK
    ),
    "source-missing-run": Case(
        INVALID, _new_version_from("runs:/" + "0" * 32 + "/model", with_run=False), on_3_9=OK
    ),
    "source-empty": Case(INVALID, _new_version_from("")),
    "version-description-number": Case(
        INVALID, on_version("PATCH", "model-versions/update", description=1)
    ),
}


# -- lifecycle: deleted experiments and runs, double deletes, missing tags -------------------------
def _deleted_experiment(api: Api) -> str:
    experiment_id = api.experiment()
    api.ok("POST", "experiments/delete", {"experiment_id": experiment_id})
    return experiment_id


def _deleted_run(api: Api) -> str:
    run_id = api.run()
    api.ok("POST", "runs/delete", {"run_id": run_id})
    return run_id


def _run_in_deleted_experiment(api: Api) -> str:
    experiment_id = api.experiment()
    run_id = api.run(experiment_id)
    api.ok("POST", "experiments/delete", {"experiment_id": experiment_id})
    return run_id


def on_deleted_run(path: str, **fields: Any) -> Act:
    return lambda api: api.call("POST", path, {"run_id": _deleted_run(api), **fields})


def on_deleted_experiment(path: str, **fields: Any) -> Act:
    return lambda api: api.call("POST", path, {"experiment_id": _deleted_experiment(api), **fields})


LIFECYCLE: dict[str, Case] = {
    "run-in-deleted-experiment": Case(INVALID, on_deleted_experiment("runs/create")),
    "tag-deleted-experiment": Case(
        INVALID, on_deleted_experiment("experiments/set-experiment-tag", key="k", value="v")
    ),
    "rename-deleted-experiment": Case(
        (500, "INVALID_STATE"), on_deleted_experiment("experiments/update", new_name="renamed")
    ),
    "delete-experiment-twice": Case(NOT_FOUND, on_deleted_experiment("experiments/delete")),
    "restore-active-experiment": Case(NOT_FOUND, on_experiment("POST", "experiments/restore")),
    "restore-deleted-experiment": Case(OK, on_deleted_experiment("experiments/restore")),
    "get-deleted-experiment": Case(
        OK,
        lambda api: api.call(
            "GET", "experiments/get", params={"experiment_id": _deleted_experiment(api)}
        ),
    ),
    "log-param-on-deleted-run": Case(
        INVALID, on_deleted_run("runs/log-parameter", key="k", value="v")
    ),
    "log-metric-on-deleted-run": Case(INVALID, on_deleted_run("runs/log-metric", **metric())),
    "set-tag-on-deleted-run": Case(INVALID, on_deleted_run("runs/set-tag", key="k", value="v")),
    "delete-tag-on-deleted-run": Case(
        INVALID, on_deleted_run("runs/delete-tag", key="mlflow.runName")
    ),
    "log-batch-on-deleted-run": Case(
        INVALID, on_deleted_run("runs/log-batch", params=[{"key": "k", "value": "v"}])
    ),
    "update-deleted-run": Case(INVALID, on_deleted_run("runs/update", status="FINISHED")),
    "delete-run-twice": Case(OK, on_deleted_run("runs/delete")),
    "restore-active-run": Case(OK, on_run("runs/restore")),
    "restore-deleted-run": Case(OK, on_deleted_run("runs/restore")),
    "get-deleted-run": Case(
        OK, lambda api: api.call("GET", "runs/get", params={"run_id": _deleted_run(api)})
    ),
    "log-param-in-deleted-experiment": Case(
        INVALID,
        lambda api: api.call(
            "POST",
            "runs/log-parameter",
            {"run_id": _run_in_deleted_experiment(api), "key": "k", "value": "v"},
        ),
    ),
    "delete-missing-run": Case(NOT_FOUND, plain("POST", "runs/delete", run_id="0" * 32)),
    "delete-missing-run-tag": Case(NOT_FOUND, on_run("runs/delete-tag", key="never-set")),
    "delete-missing-model-tag": Case(
        OK, on_model("DELETE", "registered-models/delete-tag", key="never-set")
    ),
    "delete-missing-version-tag": Case(
        OK, on_version("DELETE", "model-versions/delete-tag", key="never-set")
    ),
    "delete-missing-alias": Case(
        OK, on_model("DELETE", "registered-models/alias", alias="never-set")
    ),
    "delete-model-twice": Case(
        NOT_FOUND,
        lambda api: (
            lambda n: (
                api.call("DELETE", "registered-models/delete", {"name": n}),
                api.call("DELETE", "registered-models/delete", {"name": n}),
            )[1]
        )(api.model()),
    ),
    "delete-version-twice": Case(
        NOT_FOUND,
        lambda api: (
            lambda nv: (
                api.call("DELETE", "model-versions/delete", {"name": nv[0], "version": nv[1]}),
                api.call("DELETE", "model-versions/delete", {"name": nv[0], "version": nv[1]}),
            )[1]
        )(api.version()),
    ),
    "rename-model-to-existing": Case(
        EXISTS,
        lambda api: api.call(
            "POST", "registered-models/rename", {"name": api.model(), "new_name": api.model()}
        ),
    ),
    "rename-experiment-to-existing": Case(
        (400, "BAD_REQUEST"),
        lambda api: api.call(
            "POST",
            "experiments/update",
            {
                "experiment_id": api.experiment(),
                "new_name": api.ok(
                    "GET", "experiments/get", params={"experiment_id": api.experiment()}
                )["experiment"]["name"],
            },
        ),
    ),
    "create-experiment-named-as-deleted": Case(
        EXISTS,
        lambda api: api.call(
            "POST",
            "experiments/create",
            {
                "name": api.ok(
                    "GET", "experiments/get", params={"experiment_id": _deleted_experiment(api)}
                )["experiment"]["name"]
            },
        ),
    ),
    "version-for-deleted-run": Case(
        OK,
        lambda api: (
            lambda r: api.call(
                "POST",
                "model-versions/create",
                {"name": api.model(), "source": f"runs:/{r}/model", "run_id": r},
            )
        )(_deleted_run(api)),
    ),
}


# -- search grammar: filters, order_by, limits, page tokens ----------------------------------------
def versions(**fields: Any) -> Act:
    return plain("GET", "model-versions/search", **fields)


def models(**fields: Any) -> Act:
    return plain("GET", "registered-models/search", **fields)


def runs(**fields: Any) -> Act:
    return lambda api: api.call(
        "POST", "runs/search", {"experiment_ids": [api.experiment()], **fields}
    )


def experiments(**fields: Any) -> Act:
    return plain("POST", "experiments/search", **fields)


SEARCH: dict[str, Case] = {
    "versions-unknown-attribute": Case(INVALID, versions(filter="colour = 'red'")),
    "versions-bad-comparator": Case(INVALID, versions(filter="name ~ 'a'")),
    "versions-name-greater": Case(INVALID, versions(filter="name > 'a'")),
    "versions-unquoted-value": Case(INVALID, versions(filter="name = churn")),
    "versions-or": Case(INVALID, versions(filter="name = 'a' OR name = 'b'")),
    "versions-trailing-and": Case(OK, versions(filter="name = 'a' AND")),
    "versions-metric": Case(INVALID, versions(filter="metrics.acc > 0.5")),
    "versions-param": Case(INVALID, versions(filter="params.a = '1'")),
    "versions-double-quoted-value": Case(OK, versions(filter='name = "a"')),
    "versions-backticked-tag": Case(OK, versions(filter="tags.`a b` = 'c'")),
    "versions-escaped-quote": Case(OK, versions(filter="name = 'it''s'")),
    "versions-run-id-in": Case(OK, versions(filter="run_id IN ('a', 'b')")),
    "versions-version-number": Case(OK, versions(filter="version_number > 1")),
    "versions-version-number-text": Case(
        INVALID, versions(filter="version_number = 'one'"), on_3_9=OK
    ),
    "versions-like": Case(OK, versions(filter="name LIKE 'a%'")),
    "versions-order-unknown": Case(INVALID, versions(order_by=["colour"])),
    "versions-order-bad-direction": Case(INVALID, versions(order_by=["name SIDEWAYS"])),
    "versions-order-tag": Case(INVALID, versions(order_by=["tags.a"])),
    "versions-max-zero": Case(INVALID, versions(max_results=0)),
    "versions-max-negative": Case(INVALID, versions(max_results=-1)),
    "versions-max-over": Case(INVALID, versions(max_results=200001)),
    "versions-page-token-garbage": Case(INVALID, versions(page_token="not-a-token")),
    "models-unknown-attribute": Case(INVALID, models(filter="owner = 'a'")),
    "models-name-ilike": Case(OK, models(filter="name ILIKE '%a%'")),
    "models-order-unknown": Case(INVALID, models(order_by=["size"])),
    "models-order-name-desc": Case(OK, models(order_by=["name DESC"])),
    "models-max-zero": Case(OK, models(max_results=0)),
    "models-max-negative": Case(OK, models(max_results=-5)),
    "models-max-over": Case(INVALID, models(max_results=1001)),
    "models-max-limit": Case(OK, models(max_results=1000)),
    "models-page-token-garbage": Case(INVALID, models(page_token="%%%")),
    "runs-unknown-attribute": Case(INVALID, runs(filter="attributes.colour = 'x'")),
    "runs-metric-string": Case(INVALID, runs(filter="metrics.acc = 'high'")),
    "runs-param-number": Case(INVALID, runs(filter="params.a = 1")),
    "runs-order-metric": Case(OK, runs(order_by=["metrics.acc DESC"])),
    "runs-order-param": Case(OK, runs(order_by=["params.a"])),
    "runs-order-unknown-attribute": Case(INVALID, runs(order_by=["attributes.colour"])),
    "runs-order-bad-direction": Case(INVALID, runs(order_by=["start_time UP"])),
    "runs-max-zero": Case(INVALID, runs(max_results=0)),
    "runs-max-negative": Case(INVALID, runs(max_results=-1)),
    "runs-max-over": Case(INVALID, runs(max_results=50001)),
    "runs-status-in": Case(INVALID, runs(filter="attributes.status IN ('FINISHED', 'RUNNING')")),
    "runs-page-token-garbage": Case(INVALID, runs(page_token="zzz")),
    "experiments-unknown-attribute": Case(INVALID, experiments(filter="colour = 'x'")),
    "experiments-name-like": Case(OK, experiments(filter="name LIKE 'exp%'", max_results=10)),
    "experiments-no-max-results": Case(INVALID, experiments(filter="name LIKE 'exp%'")),
    "experiments-order-unknown": Case(INVALID, experiments(order_by=["colour"])),
    "experiments-max-zero": Case(INVALID, experiments(max_results=0)),
    "experiments-max-over": Case(INVALID, experiments(max_results=50001)),
    "experiments-view-type-unknown": Case(INVALID, experiments(view_type="SOME")),
}


# -- identifiers ------------------------------------------------------------------------------------
def version_get(version: str) -> Act:
    return lambda api: api.call(
        "GET", "model-versions/get", params={"name": api.version()[0], "version": version}
    )


IDENTIFIERS: dict[str, Case] = {
    "version-text": Case(INVALID, version_get("one")),
    "version-zero": Case(NOT_FOUND, version_get("0")),
    "version-negative": Case(NOT_FOUND, version_get("-1")),
    "version-fraction": Case(INVALID, version_get("1.0")),
    "version-leading-space": Case(OK, version_get(" 1")),
    "version-trailing-space": Case(OK, version_get("1 ")),
    "version-empty": Case(INVALID, version_get("")),
    "version-missing": Case(NOT_FOUND, version_get("99")),
    "version-plus": Case(OK, version_get("+1")),
    "version-leading-zero": Case(OK, version_get("01")),
    "version-tag-on-text-version": Case(
        INVALID,
        lambda api: api.call(
            "POST",
            "model-versions/set-tag",
            {"name": api.version()[0], "version": "x", "key": "k", "value": "v"},
        ),
    ),
    "alias-to-text-version": Case(
        INVALID,
        lambda api: api.call(
            "POST",
            "registered-models/alias",
            {"name": api.version()[0], "alias": "a", "version": "x"},
        ),
    ),
    "run-id-garbage": Case(NOT_FOUND, plain("GET", "runs/get", run_id="../etc")),
    "run-id-unknown": Case(NOT_FOUND, plain("GET", "runs/get", run_id="0" * 32)),
    "run-id-empty": Case(INVALID, plain("GET", "runs/get", run_id="")),
    "experiment-id-text": Case(INVALID, plain("GET", "experiments/get", experiment_id="abc")),
    "experiment-id-unknown": Case(
        NOT_FOUND, plain("GET", "experiments/get", experiment_id="987654")
    ),
    "experiment-id-negative": Case(NOT_FOUND, plain("GET", "experiments/get", experiment_id="-3")),
    "run-in-text-experiment": Case(INVALID, plain("POST", "runs/create", experiment_id="abc")),
    "logged-model-unknown": Case(NOT_FOUND, plain("GET", "logged-models/m-" + "0" * 32)),
    "model-name-unknown": Case(
        NOT_FOUND, plain("GET", "registered-models/get", name="no-such-model-anywhere")
    ),
    "version-run-id-unknown": Case(
        OK,
        lambda api: api.call(
            "POST",
            "model-versions/create",
            {"name": api.model(), "source": "runs:/" + "0" * 32 + "/m", "run_id": "0" * 32},
        ),
    ),
}


# -- endpoints the MLflow client uses -----------------------------------------------------------------
COVERAGE: dict[str, Case] = {
    "transition-stage": Case(
        OK,
        on_version(
            "POST",
            "model-versions/transition-stage",
            stage="Staging",
            archive_existing_versions=False,
        ),
    ),
    "transition-stage-unknown": Case(
        INVALID,
        on_version(
            "POST",
            "model-versions/transition-stage",
            stage="Nowhere",
            archive_existing_versions=False,
        ),
    ),
    "experiment-rename": Case(
        OK, on_experiment("POST", "experiments/update", new_name="renamed-" + unique("x"))
    ),
    "experiment-search": Case(OK, experiments(max_results=5)),
    "experiment-delete-tag": Case(
        (404, None),
        lambda api: (
            lambda e: (
                api.ok(
                    "POST",
                    "experiments/set-experiment-tag",
                    {"experiment_id": e, "key": "k", "value": "v"},
                ),
                api.call("POST", "experiments/delete-tag", {"experiment_id": e, "key": "k"}),
            )[1]
        )(api.experiment()),
    ),
    # 3.9 has no server-info endpoint; the proxy answers its 404 as "No route".
    "server-info": Case(OK, plain("GET", "/api/3.0/mlflow/server-info"), on_3_9=(404, None)),
    "server-version": Case(OK, plain("GET", "/version")),
    "latest-versions-get": Case(OK, on_model("GET", "registered-models/get-latest-versions")),
    "download-uri": Case(OK, on_version("GET", "model-versions/get-download-uri")),
    "metric-history": Case(
        OK,
        lambda api: api.call(
            "GET", "metrics/get-history", params={"run_id": api.run(), "metric_key": "m"}
        ),
    ),
}

# -- artifact service and model version sources (issue 19: measured on 3.9.0 and 3.17.2) -----------
ARTIFACTS_ROOT = "/api/2.0/mlflow-artifacts/artifacts"
SERVER_ERROR = (500, "INTERNAL_ERROR")


def artifact_call(api: Api, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A request to the artifact service, whose uploads are raw bytes, not JSON."""
    url = f"{api.tracking_uri}{ARTIFACTS_ROOT}{path}"
    return requests.request(method, url, headers=api.headers, timeout=30, **kwargs)


def artifact_folder(api: Api) -> str:
    """A fresh folder holding ``model/MLmodel`` and ``notes.txt``."""
    folder = unique("art")
    for name, content in (("model/MLmodel", b"flavors: {}"), ("notes.txt", b"hi")):
        answer = artifact_call(api, "PUT", f"/{folder}/{name}", data=content)
        assert answer.status_code == 200, answer.text
    return folder


def in_folder(method: str, path: str, **kwargs: Any) -> Act:
    """``path`` below a fresh folder ("/<folder>" + path)."""
    return lambda api: artifact_call(api, method, f"/{artifact_folder(api)}{path}", **kwargs)


def listing_of(path: str) -> Act:
    """The artifact service's listing of ``path`` ("{folder}" stands for a fresh folder)."""
    return lambda api: artifact_call(
        api, "GET", "", params={"path": path.format(folder=artifact_folder(api))}
    )


def run_listing(path: str | None, run_id: str | None = None) -> Act:
    def act(api: Api) -> requests.Response:
        params = {"run_id": run_id or api.run(), **({"path": path} if path is not None else {})}
        return api.call("GET", "artifacts/list", params=params)

    return act


def logged_model(api: Api) -> dict[str, Any]:
    body = {"experiment_id": api.experiment(), "name": "m", "source_run_id": api.run()}
    return dict(api.ok("POST", "logged-models", body)["model"]["info"])


def logged_model_listing(path: str | None) -> Act:
    def act(api: Api) -> requests.Response:
        model_id = logged_model(api)["model_id"]
        params = {"artifact_directory_path": path} if path is not None else {}
        return api.call("GET", f"logged-models/{model_id}/artifacts/directories", params=params)

    return act


ARTIFACTS: dict[str, Case] = {
    "upload": Case(OK, in_folder("PUT", "/a.json", data=b"{}")),
    "upload-backslash": Case(OK, in_folder("PUT", "/..%5Cx.txt", data=b"x")),
    "upload-dot-dot-quoted": Case(INVALID, in_folder("PUT", "/%2e%2e/%2e%2e/x.txt", data=b"x")),
    "upload-dot-dot-quoted-first": Case(
        INVALID, lambda api: artifact_call(api, "PUT", "/%2e%2e/x.txt", data=b"x")
    ),
    # 3.9's Flask merges the slashes: the file lands at etc/<name>.
    "upload-absolute": Case(
        INVALID,
        lambda api: artifact_call(api, "PUT", f"//etc/{unique('x')}", data=b"x"),
        on_3_9=OK,
    ),
    "upload-absolute-quoted": Case(
        INVALID,
        lambda api: artifact_call(api, "PUT", f"/%2Fetc%2F{unique('x')}", data=b"x"),
        on_3_9=OK,
    ),
    "download": Case(OK, in_folder("GET", "/notes.txt")),
    "download-missing": Case(NOT_FOUND, in_folder("GET", "/nothing.txt"), on_3_9=SERVER_ERROR),
    # FastAPI's {"detail": ...} (no error_code); 3.9's Flask answers its HTML error page.
    "download-directory": Case((400, None), in_folder("GET", "/model"), on_3_9=(500, None)),
    "download-directory-slash": Case((400, None), in_folder("GET", "/model/"), on_3_9=(500, None)),
    "download-dot-dot-quoted": Case(INVALID, in_folder("GET", "/%2e%2e/%2e%2e/notes.txt")),
    "download-absolute": Case(
        INVALID, lambda api: artifact_call(api, "GET", "//etc/passwd"), on_3_9=SERVER_ERROR
    ),
    "list-missing": Case(OK, listing_of("{folder}/nothing")),
    "list-file": Case(OK, listing_of("{folder}/notes.txt")),
    "list-dot-dot": Case(INVALID, listing_of("../")),
    "list-dot-dot-inside": Case(INVALID, listing_of("{folder}/../..")),
    "list-dot-dot-quoted": Case(INVALID, listing_of("%2e%2e")),
    "list-absolute": Case(INVALID, listing_of("/etc")),
    "delete-missing": Case(OK, in_folder("DELETE", "/nothing.txt")),
    "run-list": Case(OK, run_listing(None)),
    "run-list-missing": Case(OK, run_listing("nothing")),
    "run-list-dot-dot": Case(INVALID, run_listing("../x")),
    "run-list-absolute": Case(INVALID, run_listing("/etc")),
    "run-list-unknown-run": Case(NOT_FOUND, run_listing(None, "0" * 32)),
    "logged-model-list": Case(OK, logged_model_listing(None)),
    "logged-model-list-missing": Case(OK, logged_model_listing("nothing")),
    "logged-model-list-dot-dot": Case(INVALID, logged_model_listing("../")),
    "logged-model-list-unknown": Case(
        NOT_FOUND, plain("GET", "logged-models/m-" + "0" * 32 + "/artifacts/directories")
    ),
}


def new_version(source: Callable[[Api], dict[str, Any]]) -> Act:
    """Create a version of a fresh model from the fields ``source`` arranges."""
    return lambda api: api.call(
        "POST", "model-versions/create", {"name": api.model(), **source(api)}
    )


def registered(api: Api) -> tuple[str, str, str]:
    """A version (name, version, its run_id) sourced from a fresh run."""
    name, version = api.version()
    got = api.ok("GET", "model-versions/get", params={"name": name, "version": version})
    return name, version, str(got["model_version"]["run_id"])


def registered_from_logged_model(api: Api) -> tuple[str, dict[str, Any]]:
    """A version registered as mlflow.register_model("models:/<model_id>") sends it."""
    model = logged_model(api)
    name = api.model()
    body = {"name": name, "source": f"models:/{model['model_id']}", "model_id": model["model_id"]}
    api.ok("POST", "model-versions/create", {**body, "run_id": model["source_run_id"]})
    return name, model


def _aliased(api: Api) -> dict[str, Any]:
    name, version, _ = registered(api)
    api.ok("POST", "registered-models/alias", {"name": name, "alias": "champ", "version": version})
    return {"source": f"models:/{name}@champ"}


def _model_source(fields: Callable[[dict[str, Any]], dict[str, Any]]) -> Act:
    return new_version(lambda api: fields(logged_model(api)))


SOURCES: dict[str, Case] = {
    "source-version": Case(
        OK, new_version(lambda api: {"source": "models:/{}/{}".format(*registered(api))})
    ),
    "source-version-its-run": Case(
        OK,
        new_version(
            lambda api: (lambda n, v, r: {"source": f"models:/{n}/{v}", "run_id": r})(
                *registered(api)
            )
        ),
    ),
    "source-version-other-run": Case(
        INVALID,
        new_version(
            lambda api: {"source": "models:/{}/{}".format(*registered(api)), "run_id": api.run()}
        ),
        on_3_9=OK,
    ),
    "source-version-empty-run-id": Case(
        INVALID,
        new_version(lambda api: {"source": "models:/{}/{}".format(*registered(api)), "run_id": ""}),
        on_3_9=OK,
    ),
    # mlflow.register_model("models:/<model_id>") then a version of that version, naming the
    # logged model: the server keeps no model_id on a version, so none matches.
    "source-registered-version-with-model-id": Case(
        INVALID,
        new_version(
            lambda api: (lambda n, m: {"source": f"models:/{n}/1", "model_id": m["model_id"]})(
                *registered_from_logged_model(api)
            )
        ),
        on_3_9=OK,
    ),
    "source-registered-version": Case(
        OK,
        new_version(lambda api: {"source": f"models:/{registered_from_logged_model(api)[0]}/1"}),
    ),
    "source-version-missing": Case(
        NOT_FOUND,
        new_version(lambda api: {"source": f"models:/{registered(api)[0]}/9"}),
        on_3_9=SERVER_ERROR,
    ),
    "source-model-missing": Case(
        NOT_FOUND,
        new_version(lambda api: {"source": "models:/no-such-model-anywhere/1"}),
        on_3_9=SERVER_ERROR,
    ),
    "source-alias": Case(OK, new_version(_aliased), on_3_9=SERVER_ERROR),
    "source-latest": Case(
        OK,
        new_version(lambda api: {"source": f"models:/{registered(api)[0]}/latest"}),
        on_3_9=SERVER_ERROR,
    ),
    "source-stage-without-versions": Case(
        SERVER_ERROR,
        new_version(lambda api: {"source": f"models:/{registered(api)[0]}/Production"}),
    ),
    "source-model-name-only": Case(
        INVALID,
        new_version(lambda api: {"source": f"models:/{registered(api)[0]}"}),
        on_3_9=SERVER_ERROR,
    ),
    "source-registry-host": Case(
        INVALID, new_version(lambda api: {"source": "models://elsewhere/x/1"}), on_3_9=SERVER_ERROR
    ),
    "source-logged-model": Case(
        OK,
        _model_source(lambda m: {"source": f"models:/{m['model_id']}", "model_id": m["model_id"]}),
    ),
    "source-logged-model-without-id": Case(
        INVALID, _model_source(lambda m: {"source": f"models:/{m['model_id']}"}), on_3_9=OK
    ),
    "source-logged-model-unknown": Case(
        INVALID, new_version(lambda api: {"source": "models:/m-" + "0" * 32}), on_3_9=SERVER_ERROR
    ),
    "source-logged-model-unknown-with-id": Case(
        SERVER_ERROR,
        new_version(lambda api: {"source": "models:/m-" + "0" * 32, "model_id": "m-" + "0" * 32}),
    ),
    "source-logged-model-location": Case(
        OK, _model_source(lambda m: {"source": m["artifact_uri"], "model_id": m["model_id"]})
    ),
    "source-logged-model-location-without-id": Case(
        INVALID, _model_source(lambda m: {"source": m["artifact_uri"]}), on_3_9=OK
    ),
    "source-logged-model-location-with-run": Case(
        INVALID,
        _model_source(lambda m: {"source": m["artifact_uri"], "run_id": m["source_run_id"]}),
        on_3_9=OK,
    ),
    "source-run-without-run-id": Case(
        INVALID, new_version(lambda api: {"source": f"runs:/{api.run()}/model"}), on_3_9=OK
    ),
    "source-run-root": Case(
        OK, new_version(lambda api: (lambda r: {"source": f"runs:/{r}", "run_id": r})(api.run()))
    ),
    "source-runs-with-model-id": Case(
        INVALID,
        _model_source(
            lambda m: {"source": f"runs:/{m['source_run_id']}/model", "model_id": m["model_id"]}
        ),
        on_3_9=OK,
    ),
    "source-artifacts-elsewhere": Case(
        INVALID,
        new_version(
            lambda api: {"source": "mlflow-artifacts:/elsewhere/model", "run_id": api.run()}
        ),
        on_3_9=OK,
    ),
    "source-local-relative": Case(
        INVALID, new_version(lambda api: {"source": "model", "run_id": api.run()})
    ),
    "source-local-with-model-id": Case(
        INVALID, _model_source(lambda m: {"source": "/tmp/model", "model_id": m["model_id"]})
    ),
    "source-s3": Case(OK, new_version(lambda api: {"source": "s3://bucket/model"})),
    "source-s3-bucket-only": Case(INVALID, new_version(lambda api: {"source": "s3://bucket"})),
    "source-s3-dot-segment": Case(
        INVALID, new_version(lambda api: {"source": "s3://bucket/a/./b"})
    ),
    "source-s3-quoted-dot-dot": Case(
        INVALID, new_version(lambda api: {"source": "s3://bucket/a/%2e%2e/b"})
    ),
    "source-https": Case(
        INVALID, new_version(lambda api: {"source": "https://example.com/model"}), on_3_9=OK
    ),
    "source-http": Case(
        INVALID, new_version(lambda api: {"source": "http://example.com/model"}), on_3_9=OK
    ),
    "source-dbfs": Case(OK, new_version(lambda api: {"source": "dbfs:/model"})),
}


# -- HTTP edges: methods, content types, bodies, ajax-api (issue 19: measured on 3.9.0 and 3.17.2) --
CRASH_PAGE = (500, None)  # Werkzeug's HTML page: no MLflow error body
NOT_ALLOWED = (405, None)  # Werkzeug's HTML page, with an Allow header
NO_ROUTE = (404, None)  # the proxy's own JSON for a path MLflow does not serve
JSON_TYPE = "application/json"


def raw_body(
    method: str, path: str, data: bytes | dict[str, str], content_type: str | None = None
) -> Act:
    """``data`` sent as it is, under ``content_type`` (None: no Content-Type header at all)."""

    def act(api: Api) -> requests.Response:
        headers = dict(api.headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return requests.request(method, api.url(path), data=data, headers=headers, timeout=30)

    return act


def create_body(content_type: str | None, encode: Callable[[str], bytes] = str.encode) -> Act:
    """A well-formed model creation whose JSON is sent as ``encode(json)``."""

    def act(api: Api) -> requests.Response:
        body = encode(json.dumps({"name": unique("ct")}))
        return raw_body("POST", "registered-models/create", body, content_type)(api)

    return act


def create_json(body: bytes) -> Act:
    """A model creation whose body, sent as JSON, is ``body`` exactly."""
    return raw_body("POST", "registered-models/create", body, JSON_TYPE)


def with_model(act: Callable[[Api, str], requests.Response]) -> Act:
    """``act`` on a fresh registered model's name."""
    return lambda api: act(api, api.model())


def on_other_model(method: str, path: str, data: Callable[[str], bytes], content_type: str) -> Act:
    return lambda api: raw_body(method, path, data(api.model()), content_type)(api)


def ajax(method: str, endpoint: str, **fields: Any) -> Act:
    return lambda api: send(api, method, f"/ajax-api/2.0/{endpoint}", fields)


def _as_json(name: str) -> bytes:
    return json.dumps({"name": name, "description": "d"}).encode()


HTTP: dict[str, Case] = {
    "rename-to-own-name": Case(
        OK,
        with_model(
            lambda api, name: send(
                api, "POST", "registered-models/rename", {"name": name, "new_name": name}
            )
        ),
    ),
    "version-update-without-description": Case(OK, on_version("PATCH", "model-versions/update")),
    "post-without-content-type": Case(INVALID, create_body(None)),
    "post-text-plain": Case(INVALID, create_body("text/plain")),
    "post-content-type-capitalised": Case(INVALID, create_body("Application/JSON")),
    "post-content-type-with-charset": Case(OK, create_body("application/json; charset=utf-8")),
    "post-form": Case(
        INVALID,
        lambda api: raw_body("POST", "registered-models/create", {"name": unique("fm")})(api),
    ),
    "patch-text-plain": Case(
        OK, on_other_model("PATCH", "registered-models/update", _as_json, "text/plain")
    ),
    "patch-without-content-type": Case(
        OK, lambda api: raw_body("PATCH", "registered-models/update", _as_json(api.model()))(api)
    ),
    "post-malformed-json": Case(INVALID, create_json(b"{not json")),
    "post-json-null": Case(INVALID, create_json(b"null")),
    "post-empty-json-body": Case(INVALID, create_json(b"")),
    "post-json-list": Case(CRASH_PAGE, create_json(b"[1,2]")),
    "post-json-number": Case(CRASH_PAGE, create_json(b"12")),
    "post-json-true": Case(CRASH_PAGE, create_json(b"true")),
    "post-json-empty-string": Case(CRASH_PAGE, create_json(b'""')),
    "post-json-plain-string": Case(CRASH_PAGE, create_json(b'"abc"')),
    "patch-json-list": Case(
        CRASH_PAGE,
        on_other_model("PATCH", "registered-models/update", lambda n: b"[]", JSON_TYPE),
    ),
    "post-double-encoded-json": Case(
        OK, create_body(JSON_TYPE, lambda text: json.dumps(text).encode())
    ),
    "get-with-json-body": Case(
        OK, with_model(lambda api, name: api.call("GET", "registered-models/get", {"name": name}))
    ),
    "get-query-wins-over-body": Case(
        NOT_FOUND,
        with_model(
            lambda api, name: api.call(
                "GET", "registered-models/get", {"name": name}, params={"name": unique("nope")}
            )
        ),
    ),
    "head-on-a-get-endpoint": Case(OK, on_model("HEAD", "registered-models/get")),
    # The server reads a HEAD's parameters from its body, never from its query.
    "head-with-a-query": Case(
        (400, None),
        with_model(
            lambda api, name: api.call("HEAD", "registered-models/get", params={"name": name})
        ),
    ),
    "get-on-a-post-endpoint": Case(NOT_ALLOWED, plain("GET", "registered-models/create", name="x")),
    "post-on-a-get-endpoint": Case(NOT_ALLOWED, on_model("POST", "registered-models/get")),
    "delete-on-a-get-endpoint": Case(NOT_ALLOWED, plain("DELETE", "registered-models/search")),
    "head-on-a-post-endpoint": Case(NOT_ALLOWED, plain("HEAD", "registered-models/create")),
    "options-on-an-endpoint": Case((204, None), plain("OPTIONS", "registered-models/create")),
    "post-on-an-artifact": Case(
        NOT_ALLOWED, raw_body("POST", "/api/2.0/mlflow-artifacts/artifacts/0/x.txt", b"x")
    ),
    "post-on-the-artifact-listing": Case(
        NOT_ALLOWED, plain("POST", "/api/2.0/mlflow-artifacts/artifacts")
    ),
    # A POST reads only its body: a name in the query is not seen.
    "post-with-its-fields-in-the-query": Case(
        INVALID,
        lambda api: api.call("POST", "registered-models/create", {}, params={"name": unique("q")}),
    ),
    "ajax-get": Case(
        OK, lambda api: ajax("GET", "mlflow/registered-models/get", name=api.model())(api)
    ),
    "ajax-post": Case(
        OK, lambda api: ajax("POST", "mlflow/registered-models/create", name=unique("aj"))(api)
    ),
    "ajax-artifacts": Case(OK, ajax("GET", "mlflow-artifacts/artifacts", path="0")),
    "ajax-wrong-method": Case(NOT_ALLOWED, ajax("GET", "mlflow/registered-models/create")),
    "ajax-unknown": Case(NO_ROUTE, ajax("GET", "mlflow/nonexistent")),
}


# -- fidelity: field spellings, server-info, wrong-type wording, a sweep (issue 19 follow-up) --------
# Measured on real 3.9.0 and 3.17.2 servers. A field has two spellings in a JSON body, its
# proto name (`run_id`) and its JSON name (`runId`); `run_uuid` is another field, not a
# spelling: no release refuses it beside `run_id` (the handlers take `run_id or run_uuid`).
BOTH_SPELLINGS = "Request specifies both '{}' and '{}'; provide only one of them."
WRONG_TYPE = "Invalid value {} for parameter '{}' supplied:  Hint: Value was of type '{}'."


def missing_run_id() -> str:
    return "Missing value for required parameter 'run_id'."


def two_runs(act: Callable[[Api, str, str], requests.Response]) -> Act:
    return lambda api: act(api, api.run(), api.run())


def spelled_twice(path: str, proto: str, json_name: str, **fields: Any) -> Case:
    """``path`` with ``proto`` and ``json_name`` naming two fresh runs (refused from 3.10)."""
    return Case(
        INVALID,
        two_runs(lambda api, a, b: api.call("POST", path, {proto: a, json_name: b, **fields})),
        on_3_9=OK,
        says=BOTH_SPELLINGS.format(proto, json_name),
    )


def experiment_spelled_twice(path: str) -> Case:
    """A creation in a fresh experiment and, spelled ``experimentId``, the default one."""
    return Case(
        INVALID,
        lambda api: api.call(
            "POST", path, {"experiment_id": api.experiment(), "experimentId": "0"}
        ),
        on_3_9=OK,
        says=BOTH_SPELLINGS.format("experiment_id", "experimentId"),
    )


def wrong_type(act: Act, shown: object, field: str, type_name: str) -> Case:
    """A refusal of a value of the wrong type, worded by the server's schema check."""
    return Case(INVALID, act, says=WRONG_TYPE.format(shown, field, type_name))


def logged_model_call(method: str, tail: str, body: dict[str, Any] | None = None) -> Act:
    """``method logged-models/<fresh model id><tail>``."""
    return lambda api: api.call(
        method, f"logged-models/{logged_model(api)['model_id']}{tail}", body
    )


FIDELITY: dict[str, Case] = {
    "run-id-spelled-twice-update": spelled_twice("runs/update", "run_id", "runId", status="KILLED"),
    "run-id-spelled-twice-log-metric": spelled_twice(
        "runs/log-metric", "run_id", "runId", **metric()
    ),
    "run-id-spelled-twice-same-value": Case(
        INVALID,
        lambda api: (lambda r: on_run_body(api, {"run_id": r, "runId": r, **metric()}))(api.run()),
        on_3_9=OK,
        says=BOTH_SPELLINGS.format("run_id", "runId"),
    ),
    "experiment-id-spelled-twice": experiment_spelled_twice("runs/create"),
    "experiment-id-spelled-twice-logged-model": experiment_spelled_twice("logged-models"),
    "spelled-twice-inside-a-list": Case(
        INVALID,
        two_runs(
            lambda api, a, b: api.call(
                "POST", "runs/log-batch", {"run_id": a, "metrics": [metric(run_id=a, runId=b)]}
            )
        ),
        on_3_9=OK,
        says=BOTH_SPELLINGS.format("run_id", "runId"),
    ),
    "max-results-spelled-twice": Case(
        INVALID,
        plain("POST", "experiments/search", max_results=5, maxResults=6),
        on_3_9=OK,
        says=BOTH_SPELLINGS.format("max_results", "maxResults"),
    ),
    # A query is read by proto names only: the JSON name is not seen, so nothing conflicts.
    "spelled-twice-in-a-query": Case(
        OK,
        two_runs(lambda api, a, b: api.call("GET", "runs/get", params={"run_id": a, "runId": b})),
    ),
    "run-id-and-run-uuid-differ-get": Case(
        OK,
        two_runs(
            lambda api, a, b: api.call("GET", "runs/get", params={"run_id": a, "run_uuid": b})
        ),
    ),
    "run-id-and-run-uuid-differ-update": Case(
        OK,
        two_runs(
            lambda api, a, b: api.call(
                "POST", "runs/update", {"run_id": a, "run_uuid": b, "status": "FINISHED"}
            )
        ),
    ),
    "run-uuid-alone": Case(OK, lambda api: on_run_body(api, {"run_uuid": api.run(), **metric()})),
    # The server checks required fields in the raw body, by proto name.
    "run-id-as-json-name-only": Case(
        INVALID,
        lambda api: on_run_body(api, {"runId": api.run(), **metric()}),
        says=missing_run_id(),
    ),
    "experiment-id-as-json-name-only": Case(
        OK, lambda api: api.call("POST", "runs/create", {"experimentId": api.experiment()})
    ),
    "max-results-as-json-name-only": Case(OK, plain("POST", "experiments/search", maxResults=1)),
    "run-id-missing-get": Case(INVALID, plain("GET", "runs/get"), says=missing_run_id()),
    "run-id-missing-update": Case(
        INVALID, plain("POST", "runs/update", status="FINISHED"), says=missing_run_id()
    ),
    "run-id-missing-log-metric": Case(
        INVALID, plain("POST", "runs/log-metric", **metric()), says=missing_run_id()
    ),
    "run-id-missing-artifact-list": Case(
        INVALID, plain("GET", "artifacts/list"), says=missing_run_id()
    ),
    # server-info: 3.9 serves /server-info alone; newer releases the 3.0 API and its ajax twin.
    "server-info-at-root": Case(NO_ROUTE, plain("GET", "/server-info"), on_3_9=OK),
    "server-info-ajax": Case(OK, plain("GET", "/ajax-api/3.0/mlflow/server-info"), on_3_9=NO_ROUTE),
    "server-info-under-2-0": Case(NO_ROUTE, plain("GET", "/api/2.0/mlflow/server-info")),
    "server-info-post": Case(
        NOT_ALLOWED, plain("POST", "/api/3.0/mlflow/server-info"), on_3_9=NO_ROUTE
    ),
    # Wrong types: the server's schema check words them, with MLflow's invalid_value.
    "wrong-type-number-for-text": wrong_type(new_model(name=12), 12, "name", "int"),
    "wrong-type-list-for-text": wrong_type(new_model(name=["a"]), '["a"]', "name", "list"),
    "wrong-type-text-for-list": wrong_type(
        lambda api: new_model(name=unique("t"), tags="x")(api), '"x"', "tags", "str"
    ),
    "wrong-type-text-for-number": wrong_type(
        on_run("runs/log-metric", **metric(value="high")), '"high"', "value", "str"
    ),
    "wrong-type-text-for-integer": wrong_type(
        on_experiment("POST", "runs/create", start_time="soon"), '"soon"', "start_time", "str"
    ),
    "wrong-type-text-for-bool": wrong_type(
        on_version(
            "POST", "model-versions/transition-stage", stage="S", archive_existing_versions="yes"
        ),
        '"yes"',
        "archive_existing_versions",
        "str",
    ),
    "wrong-type-in-a-query": wrong_type(
        plain("GET", "registered-models/search", max_results="many"), '"many"', "max_results", "str"
    ),
    "wrong-type-number-for-experiment-id": Case(
        INVALID,
        lambda api: api.call("POST", "runs/create", {"experiment_id": int(api.experiment())}),
        on_3_9=OK,
        says="for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'.",
    ),
    # The sweep over the endpoints the SDK and MlflowClient use.
    "version-of-a-missing-model": Case(
        NOT_FOUND,
        plain("GET", "model-versions/get", name="no-such-model-anywhere", version="1"),
        says="Model Version (name=no-such-model-anywhere, version=1) not found",
    ),
    "download-uri-of-a-missing-model": Case(
        NOT_FOUND,
        plain("GET", "model-versions/get-download-uri", name="no-such-model-anywhere", version="1"),
        says="Model Version (name=no-such-model-anywhere, version=1) not found",
    ),
    "metric-history-of-an-unknown-run": Case(
        OK, plain("GET", "metrics/get-history", run_id="0" * 32, metric_key="m")
    ),
    "logged-model-delete-missing-tag": Case(
        NOT_FOUND,
        logged_model_call("DELETE", "/tags/never-set"),
        says="No tag with key 'never-set'",
    ),
    "logged-model-tag-key-with-a-slash": Case(NO_ROUTE, logged_model_call("DELETE", "/tags/a/b")),
    "logged-model-artifact-files": Case(NO_ROUTE, logged_model_call("GET", "/artifacts/files")),
    "logged-model-set-tags": Case(
        OK, logged_model_call("PATCH", "/tags", {"tags": [{"key": "a", "value": "b"}]})
    ),
    # 3.9's SQL store looked the alias up without the model: a missing model's alias was
    # "not found" as a bad parameter, not as a missing model.
    "alias-of-a-missing-model": Case(
        NOT_FOUND,
        plain("GET", "registered-models/alias", name="no-such-model-anywhere", alias="champion"),
        on_3_9=INVALID,
        says="Registered Model with name=no-such-model-anywhere not found",
        says_on_3_9="Registered model alias champion not found.",
    ),
    # Finalizing and logging params check `model_id` in the body, not only in the path;
    # finalizing then acts on the body's model.
    "logged-model-finalize-without-model-id-in-body": Case(
        INVALID,
        logged_model_call("PATCH", "", {"status": "LOGGED_MODEL_READY"}),
        says="Missing value for required parameter 'model_id'.",
    ),
    "logged-model-params-without-model-id-in-body": Case(
        INVALID,
        logged_model_call("POST", "/params", {"params": [{"key": "a", "value": "1"}]}),
        says="Missing value for required parameter 'model_id'.",
    ),
    "logged-model-finalize-acts-on-the-bodys-model": Case(
        NOT_FOUND,
        logged_model_call(
            "PATCH", "", {"model_id": "m-" + "0" * 32, "status": "LOGGED_MODEL_READY"}
        ),
    ),
    "logged-model-search-without-experiments": Case(
        INVALID,
        plain("POST", "logged-models/search"),
        says="Missing value for required parameter 'experiment_ids'.",
    ),
}


def on_run_body(api: Api, body: dict[str, Any]) -> requests.Response:
    return api.call("POST", "runs/log-metric", body)


TABLES = {
    "validation": VALIDATION,
    "lifecycle": LIFECYCLE,
    "search": SEARCH,
    "identifiers": IDENTIFIERS,
    "endpoints": COVERAGE,
    "artifacts": ARTIFACTS,
    "sources": SOURCES,
    "http": HTTP,
    "fidelity": FIDELITY,
}
