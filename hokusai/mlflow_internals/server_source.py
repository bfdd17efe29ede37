"""What the installed release's own tracking server does, read from its source code.

A few of the server's checks changed between supported releases and live only in modules that
need Flask or a database (``mlflow.server.handlers``, the SQL model registry store). Both ship
in ``mlflow-skinny`` but cannot be imported there, so they are parsed instead: each change in
:data:`SERVER_CHANGES` is present when the named function's code mentions one of its markers
(a name it calls or a literal it serves). A release that moves or renames the function is taken
to behave as the newest server does (``newest``), the direction MLflow has been moving.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServerChange:
    module: str
    function: str  # "name" or "Class.method"
    markers: tuple[str, ...]
    newest: bool = True


_HANDLERS = "mlflow.server.handlers"
_SQL_REGISTRY = "mlflow.store.model_registry.sqlalchemy_store"

SERVER_CHANGES: dict[str, ServerChange] = {
    # A runs:/ (models:/<id>) source must name the request's run_id (model_id); an
    # mlflow-artifacts: source must lie in that run's (logged model's) artifacts (3.9 checked
    # none of these).
    "source_in_run_or_model": ServerChange(
        _HANDLERS, "_validate_source_run", ("parse_runs_uri", "_is_uri_within_root")
    ),
    # Version searches refuse a non-integer version_number (3.9 compared it as given).
    "numeric_version_filter": ServerChange(
        _SQL_REGISTRY,
        "SqlAlchemyStore._get_search_model_versions_filter_clauses",
        ("Invalid value for numeric attribute '",),
    ),
    # Deleting a version drops its aliases: 3.9 compared the aliases' integer versions with the
    # request's text version, so they stayed (listed, and answering as a missing version).
    "deleted_version_drops_aliases": ServerChange(
        _SQL_REGISTRY, "SqlAlchemyStore.delete_model_version", ("_validate_model_version",)
    ),
    # GET /api/3.0/mlflow/server-info (3.9 served only an unprefixed /server-info).
    "server_info_api": ServerChange(_HANDLERS, "get_endpoints", ("/mlflow/server-info",)),
    # GET /server-info, {"store_type": ...} alone: 3.9's only server-info, gone from newer ones.
    "server_info_at_root": ServerChange(
        _HANDLERS, "get_endpoints", ("/server-info",), newest=False
    ),
    # A request body that spells one field two ways (`run_id` and `runId`, proto and JSON
    # names, at any depth) is refused (3.9 read both, the later key winning).
    "conflicting_field_aliases": ServerChange(
        _HANDLERS, "_get_request_message", ("_reject_conflicting_field_aliases",)
    ),
    # An alias lookup asks for the model first: a missing model is a 404 (3.9 looked up the
    # alias alone and answered 400 INVALID_PARAMETER_VALUE, "alias ... not found").
    "alias_lookup_checks_model": ServerChange(
        _SQL_REGISTRY, "SqlAlchemyStore.get_model_version_by_alias", ("_get_registered_model",)
    ),
    # Artifact uploads and downloads are served by FastAPI, not Flask: an upload answers an
    # empty body, a directory 400 and a missing file 404 (3.9: `{}`, a 500 page, a 500), and
    # `//x` or `%2Fx` is an absolute path, refused (3.9's Flask merged the slashes).
    "artifact_router": ServerChange(
        "mlflow.server.fastapi_app", "create_fastapi_app", ("artifact_router",)
    ),
    # A models:/<name>/<version> source is resolved to that version, whose run_id (and
    # model_id, which the SQL store never keeps) a given run_id/model_id must match (3.9
    # only asked its store for the version's download URI).
    "source_lineage": ServerChange(
        _HANDLERS, "_create_model_version", ("_resolve_registered_model_source_lineage",)
    ),
    # A source on a host-addressed scheme (http, https, ...) is refused (3.9 stored it).
    "host_addressed_sources": ServerChange(
        _HANDLERS, "_create_model_version", ("_validate_artifact_uri_scheme",)
    ),
}


def server_does(change: str) -> bool:
    """Whether the installed release's server makes ``change`` (a key of SERVER_CHANGES)."""
    return makes(SERVER_CHANGES[change])


def makes(change: ServerChange) -> bool:
    found = found_in(change)
    return change.newest if found is None else any(m in found for m in change.markers)


def found_in(change: ServerChange) -> frozenset[str] | None:
    """What ``change``'s function mentions; None when the installed release lacks it."""
    return _mentions(change.module, change.function)


@functools.cache
def _mentions(module: str, function: str) -> frozenset[str] | None:
    """Every name, attribute and string literal in ``function``'s code; None if not found."""
    tree = _parse(module)
    if tree is None:
        return None
    node: ast.AST = tree
    for part in function.split("."):
        inner = next(
            (
                child
                for child in ast.iter_child_nodes(node)
                if isinstance(child, ast.FunctionDef | ast.ClassDef) and child.name == part
            ),
            None,
        )
        if inner is None:
            return None
        node = inner
    words: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            words.add(child.id)
        elif isinstance(child, ast.Attribute):
            words.add(child.attr)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            words.add(child.value)
    return frozenset(words)


@functools.cache
def _parse(module: str) -> ast.Module | None:
    # Located by path below the top package: importing the parent (mlflow.server) would
    # import Flask, which the skinny client lacks.
    top, *parts = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*parts).with_suffix(".py")
        try:
            return ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
    return None
