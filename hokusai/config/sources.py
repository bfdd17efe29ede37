"""Values that remember where they came from, and the strict parsers that read them."""

from __future__ import annotations

import configparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from hokusai.errors import ConfigurationError

T = TypeVar("T")

ARGUMENT = "argument"
DEFAULT = "default"
CREDENTIAL_STORE = "credential store"


def env_source(name: str) -> str:
    return f"environment variable {name}"


def file_source(path: Path) -> str:
    return f"config file {path}"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One resolved setting: its value and a human-readable source, for ``doctor``."""

    value: T
    source: str


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


def parse_bool(raw: str, *, name: str) -> bool:
    """Strict: ``HOKUSAI_MOCK_MODE=false`` must mean off, and a typo must not mean on."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(
        f"{name}={raw!r} is not a boolean. Use one of: true, 1, yes, on / false, 0, no, off "
        "(or leave it empty)."
    )


def parse_seconds(raw: str, *, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise ConfigurationError(f"{name}={raw!r} must be a number of seconds between 0 and 600.")
    return value


def read_config_file(path: Path) -> dict[str, str]:
    """The ``[default]`` section of ``$HOKUSAI_HOME/config``; empty when there is no file."""
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigurationError(f"Cannot parse {path}: {exc}") from exc
    return dict(parser["default"]) if parser.has_section("default") else {}


@dataclass(frozen=True)
class Layers:
    """The places a setting can come from, highest priority first.

    ``process`` holds what ``hokusai.configure()`` (and the earlier SDK's setup functions) set
    for the whole process: below the registry's own arguments, above the environment.
    """

    arguments: Mapping[str, object]
    environ: Mapping[str, str]
    file_values: Mapping[str, str]
    file_path: Path
    process: Mapping[str, Setting[Any]] = field(default_factory=dict)

    def pick(
        self,
        *,
        argument: str,
        env: tuple[str, ...],
        file_key: str | None,
        parse: Callable[[str, str], T],
        default: T,
    ) -> Setting[T]:
        """First of argument > process default > each env var in order > config file > default.

        An environment variable that is set but empty counts as unset, as shells make
        ``VAR= cmd`` easy to type by accident.
        """
        given = self.arguments.get(argument)
        if given is not None:
            return Setting(parse(str(given), f"the {argument} argument"), ARGUMENT)
        default_set = self.process.get(argument)
        if default_set is not None:
            return Setting(parse(str(default_set.value), default_set.source), default_set.source)
        for name in env:
            raw = self.environ.get(name, "")
            if raw.strip():
                return Setting(parse(raw, name), env_source(name))
        if file_key and self.file_values.get(file_key, "").strip():
            label = f"{file_key} in {self.file_path}"
            return Setting(parse(self.file_values[file_key], label), file_source(self.file_path))
        return Setting(default, DEFAULT)
