"""``runs:/`` and ``models:/`` URIs: checked for shape here, for existence by the backend.

Parsing is local, so a URI that cannot name anything is refused before any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hokusai.errors import InvalidInputError

URI_SCHEMES = ("runs:/", "models:/")

Kind = Literal["run", "version", "alias", "latest", "logged_model"]

_RUN = re.compile(r"runs:/(?P<run>[^/\s]+)(?:/(?P<path>.*))?")
_LOGGED = re.compile(r"models:/(?P<id>m-[^/@\s]+)/?")
_ALIAS = re.compile(r"models:/(?P<name>[^/@]+)@(?P<alias>[^/@\s]+)/?")
_VERSION = re.compile(r"models:/(?P<name>[^/@]+)/(?P<version>[^/@\s]+)/?")

_SHAPES = (
    "runs:/<run_id>/<artifact_path>, models:/<name>/<version>, models:/<name>/latest, "
    "models:/<name>@<alias> or models:/<logged_model_id>"
)


@dataclass(frozen=True)
class ModelReference:
    """What a URI names. ``ref`` is the run id, version, alias or logged model id."""

    uri: str
    kind: Kind
    ref: str
    name: str | None = None


def is_model_uri(value: object) -> bool:
    return isinstance(value, str) and value.startswith(URI_SCHEMES)


def parse(uri: str) -> ModelReference:
    """The reference a ``runs:/`` or ``models:/`` URI makes; InvalidInputError if it makes none."""
    if match := _RUN.fullmatch(uri):
        return ModelReference(uri, "run", match["run"])
    if match := _LOGGED.fullmatch(uri):
        return ModelReference(uri, "logged_model", match["id"])
    if match := _ALIAS.fullmatch(uri):
        return ModelReference(uri, "alias", match["alias"], match["name"])
    if match := _VERSION.fullmatch(uri):
        version = match["version"]
        if version.isdigit():
            return ModelReference(uri, "version", version, match["name"])
        if version.lower() == "latest":
            return ModelReference(uri, "latest", version, match["name"])
        raise InvalidInputError(
            f"{uri!r}: {version!r} is not a version number. Model stages are deprecated in "
            "MLflow; name a version, 'latest', or an alias (models:/<name>@<alias>)."
        )
    raise InvalidInputError(f"{uri!r} names no model. Use one of: {_SHAPES}.")
