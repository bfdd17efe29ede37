"""Values that remember where they came from, and the strict parsers that read them."""

from __future__ import annotations

import configparser
import difflib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from hokusai.errors import ConfigurationError, mask_keys

T = TypeVar("T")
_logger = logging.getLogger(__name__)

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

    @property
    def shown(self) -> str:
        """The value as a person reads it: a URI without the password, token or key it holds."""
        return mask_keys(str(self.value))

    def __repr__(self) -> str:
        return f"Setting(value={mask_keys(repr(self.value))}, source={self.source!r})"


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


# Every key the SDK reads from the config file's [default] section (api_key: deprecated, read).
FILE_KEYS = frozenset(
    {
        "mode",
        "tracking_uri",
        "api_endpoint",
        "local_tracking_uri",
        "probe_timeout",
        "probe_cache_seconds",
        "request_timeout",
        "allow_insecure_http",
        "experiment",
        "api_key",
    }
)
_SECTION_LINE = re.compile(r"\s*\[([^\]]*)\]")
_KEY_LINE = re.compile(r"([^\s=:#;\[][^=:]*?)\s*[=:]")


def read_config_file(path: Path) -> dict[str, str]:
    """The ``[default]`` section of ``$HOKUSAI_HOME/config``; empty when there is no file.

    Mistakes that would silently do nothing are logged once per process, naming the file and
    line: an unknown key (with the closest known one), a ``[DEFAULT]`` header (read as
    ``[default]``), any other section (not read).
    """
    if not path.is_file():
        return {}
    # An impossible name: "[DEFAULT]" must not vanish into configparser's special section.
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    refused = _parse(parser, path)
    if refused is not None:
        raise refused
    # [default] wins over a [DEFAULT] written by habit (git, AWS and tox configs use it).
    habit = [s for s in parser.sections() if s.lower() == "default" and s != "default"]
    values = {key: value for name in habit for key, value in parser[name].items()}
    if parser.has_section("default"):
        values.update(parser["default"])
    _report_mistakes(path)
    return values


def _parse(parser: configparser.ConfigParser, path: Path) -> ConfigurationError | None:
    """Read ``path`` into ``parser``; the error to raise when it is not INI.

    configparser's text quotes the offending line, which may hold a key: the error names the
    line, never shows it, and is raised outside the ``except`` so configparser's error is not
    even its context.
    """
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        what = (
            "comes before any [section] header"
            if isinstance(exc, configparser.MissingSectionHeaderError)
            else "is not valid INI"
        )
        return ConfigurationError(
            f"Cannot parse {path}: {f'line {line}' if line else 'a line'} {what}.",
            hint="The file is INI: a [default] header, then `name = value` lines.",
        )
    return None


def _report_mistakes(path: Path) -> None:
    from hokusai.support.notices import warn_once

    section: str | None = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for number, line in enumerate(lines, start=1):
        header = _SECTION_LINE.match(line)
        if header:
            section = header.group(1).strip()
            where = f"{path}, line {number}"
            if section.lower() == "default" and section != "default":
                warn_once(
                    _logger,
                    f"config-section:{path}:{section}",
                    "[%s] in %s: read as [default]; write it in lower case, [default].",
                    section,
                    where,
                )
            elif section != "default":
                warn_once(
                    _logger,
                    f"config-section:{path}:{section}",
                    "[%s] in %s is not read: hokusai reads only the [default] section of its "
                    "config file (keys of other profiles live in `hokusai login --profile`).",
                    section,
                    where,
                )
            continue
        key = _KEY_LINE.match(line)
        if key is None or line[:1].isspace() or section is None or section.lower() != "default":
            continue
        name = key.group(1).strip().lower()
        if name not in FILE_KEYS:
            close = difflib.get_close_matches(name, sorted(FILE_KEYS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            warn_once(
                _logger,
                f"config-key:{path}:{name}",
                "%r in %s, line %d is not a setting hokusai reads; it is ignored.%s Known: %s.",
                name,
                path,
                number,
                hint,
                ", ".join(sorted(FILE_KEYS)),
            )


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
