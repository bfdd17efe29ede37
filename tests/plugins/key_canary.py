"""The key canary: a test fails when an API key shows up where someone could read it.

The keys watched are the suite's test keys (``fixtures/keys.json``), every key an ``ApiKey``
was made from during the test (``api_key=``, ``HOKUSAI_API_KEY``, the credential store...),
and the values of ``HOKUSAI_API_KEY`` and ``MLFLOW_TRACKING_TOKEN``. They are looked for in:

- ``logs``: every logging call of every logger at every level, DEBUG included, whether or not
  a handler would emit it (the message with its arguments, and the text of ``exc_info``);
- ``output``: captured stdout/stderr of each phase, and what ``capsys``/``capfd`` returned;
- ``exceptions``: the text of an exception that ends the test, and of every exception
  ``pytest.raises`` caught, with its whole cause/context chain;
- ``warnings``: every warning recorded, by pytest or by ``pytest.warns``;
- ``files``: every file under the test's ``HOKUSAI_HOME`` but the credential store;
- ``environ``: ``os.environ`` after the test, except values the test itself set with
  ``monkeypatch.setenv`` (putting a key in the environment is the user's right).

A test that puts a key somewhere on purpose says so, narrowly::

    @pytest.mark.key_canary_allow("files", reason="writes the deprecated config-file key")

Not seen: child processes' output, and what goes over the network (other tests check where
the key is sent). Failure messages name the key masked, never the key.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import ExceptionInfo
from _pytest.capture import CaptureFixture

from hokusai.config.credentials import ApiKey

MARK = "key_canary_allow"
CHANNELS = ("logs", "output", "exceptions", "warnings", "files", "environ")
KEY_VARIABLES = ("HOKUSAI_API_KEY", "MLFLOW_TRACKING_TOKEN")
CREDENTIAL_STORE = "credentials"  # $HOKUSAI_HOME/credentials: the one file a key may be in
# Shorter "keys" (tests of refusals pass "x", "abc") would match text everywhere.
MIN_KEY_LENGTH = 12
KEYS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "keys.json"
_LOG_METHODS = ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal")


def _masked(key: str) -> str:
    return f"{key[:8]}…{key[-4:]}"


@dataclass
class Watch:
    """What the running test has shown so far."""

    keys: set[str]
    allowed: frozenset[str]
    set_by_test: set[tuple[str, str]] = field(default_factory=set)
    leaks: list[str] = field(default_factory=list)

    def learn(self, key: object) -> None:
        if isinstance(key, str) and len(key.strip()) >= MIN_KEY_LENGTH:
            self.keys.add(key.strip())

    def scan(self, channel: str, where: str, text: str) -> None:
        if channel in self.allowed or not text:
            return
        for key in list(self.keys):
            if key in text:
                self.leaks.append(f"{channel}: {where} holds the API key {_masked(key)}")

    def scan_exception(self, where: str, error: BaseException | None) -> None:
        for text in _exception_texts(error):
            self.scan("exceptions", where, text)

    def take(self) -> list[str]:
        found, self.leaks = self.leaks, []
        return list(dict.fromkeys(found))


_current: Watch | None = None
_fixture_keys: frozenset[str] = frozenset()


def _exception_texts(error: BaseException | None) -> Iterator[str]:
    """What printing ``error`` shows of it and of its causes (the code lines aside)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield "".join(traceback.format_exception_only(type(error), error))
        yield repr(error)
        error = error.__cause__ or error.__context__


# -- taps: each wraps one place text passes through and hands it to the running test's Watch --
def _tap_logging(method: Callable[..., Any], name: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def tapped(self: logging.Logger, *args: Any, **kwargs: Any) -> Any:
        watch = _current
        if watch is not None and "logs" not in watch.allowed:
            _scan_log_call(watch, self.name, args[1:] if name == "log" else args, kwargs)
        return method(self, *args, **kwargs)

    return tapped


def _scan_log_call(watch: Watch, logger: str, args: tuple[Any, ...], kwargs: Any) -> None:
    if not args:
        return
    msg, rest = args[0], args[1:]
    try:
        text = str(msg) % rest if rest else str(msg)
    except Exception:  # a bad format string: logging would print both parts
        text = f"{msg} {rest}"
    where = f"a log call of logger {logger!r}"
    watch.scan("logs", where, text)
    exc_info = kwargs.get("exc_info")
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, tuple):
        exc_info = exc_info[1]
    if isinstance(exc_info, BaseException):
        for part in _exception_texts(exc_info):
            watch.scan("logs", f"{where} (its exc_info)", part)


def _tap_warning(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def tapped(self: warnings.WarningMessage, message: Any, *args: Any, **kwargs: Any) -> None:
        init(self, message, *args, **kwargs)
        if _current is not None:
            _current.scan("warnings", "a warning", str(message))

    return tapped


def _tap_raises(fill: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(fill)
    def tapped(self: ExceptionInfo[Any], exc_info: Any) -> None:
        fill(self, exc_info)
        if _current is not None:
            _current.scan_exception("an exception caught by pytest.raises", exc_info[1])

    return tapped


def _tap_readouterr(read: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(read)
    def tapped(self: CaptureFixture[Any], *args: Any, **kwargs: Any) -> Any:
        result = read(self, *args, **kwargs)
        if _current is not None:
            for stream, text in (("stdout", result.out), ("stderr", result.err)):
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                _current.scan("output", f"{stream} read by a capture fixture", text)
        return result

    return tapped


def _tap_api_key(init: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(init)
    def tapped(self: ApiKey, raw: str, *args: Any, **kwargs: Any) -> None:
        init(self, raw, *args, **kwargs)
        if _current is not None:
            _current.learn(raw)

    return tapped


def _tap_setenv(setenv: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(setenv)
    def tapped(self: pytest.MonkeyPatch, name: str, value: str, *args: Any, **kw: Any) -> None:
        setenv(self, name, value, *args, **kw)
        if _current is not None:
            _current.set_by_test.add((name, os.environ.get(name, "")))
            if name in KEY_VARIABLES:
                _current.learn(value)

    return tapped


@dataclass
class _Tap:
    owner: Any
    name: str
    wrap: Callable[[Any], Any]
    original: Any = None


_TAPS = [
    *(_Tap(logging.Logger, n, functools.partial(_tap_logging, name=n)) for n in _LOG_METHODS),
    _Tap(logging.Logger, "log", functools.partial(_tap_logging, name="log")),
    _Tap(warnings.WarningMessage, "__init__", _tap_warning),
    _Tap(ExceptionInfo, "fill_unfilled", _tap_raises),
    _Tap(CaptureFixture, "readouterr", _tap_readouterr),
    _Tap(ApiKey, "__init__", _tap_api_key),
    _Tap(pytest.MonkeyPatch, "setenv", _tap_setenv),
]


# -- hooks --------------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    global _fixture_keys
    config.addinivalue_line(
        "markers",
        f"{MARK}(*channels, reason): the key canary ignores these channels "
        f"({', '.join(CHANNELS)}) for this test, which puts a key there on purpose",
    )
    _fixture_keys = frozenset(json.loads(KEYS_FILE.read_text()))
    for tap in _TAPS:
        tap.original = tap.owner.__dict__[tap.name]
        setattr(tap.owner, tap.name, tap.wrap(tap.original))


def pytest_unconfigure(config: pytest.Config) -> None:
    for tap in reversed(_TAPS):
        if tap.original is not None:
            setattr(tap.owner, tap.name, tap.original)
            tap.original = None


def _allowed(item: pytest.Item) -> frozenset[str]:
    allowed: set[str] = set()
    for mark in item.iter_markers(MARK):
        unknown = set(mark.args) - set(CHANNELS)
        if unknown or not mark.args or not mark.kwargs.get("reason"):
            raise pytest.UsageError(
                f"{item.nodeid}: {MARK} takes channels from {CHANNELS} and a reason=; "
                f"got {mark.args} {mark.kwargs}"
            )
        allowed.update(mark.args)
    return frozenset(allowed)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    global _current
    _current = Watch(keys=set(_fixture_keys), allowed=_allowed(item))
    try:
        return (yield)
    finally:
        _current = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    watch = _current
    if watch is None:
        return report
    for name in KEY_VARIABLES:
        watch.learn(os.environ.get(name))
    if call.excinfo is not None:
        watch.scan_exception(f"the exception that ended {call.when}", call.excinfo.value)
    for title, text in report.sections:
        # Each report repeats the earlier phases' sections: look at this phase's only.
        if title.startswith(("Captured stdout", "Captured stderr")) and title.endswith(call.when):
            watch.scan("output", title.lower(), text)
    if call.when == "call":
        _scan_environ(watch)
        for home in _homes(item):
            _scan_files(watch, home)
    leaks = watch.take()
    if leaks and not report.skipped:
        before = f"\n\n{report.longreprtext}" if report.failed else ""
        report.outcome = "failed"
        report.longrepr = "key canary: an API key leaked\n  " + "\n  ".join(leaks) + before
    return report


def _scan_environ(watch: Watch) -> None:
    for name, value in os.environ.items():
        # pytest's own: the test's id, which holds a key when a test is parametrized by keys.
        if name == "PYTEST_CURRENT_TEST":
            continue
        if (name, value) not in watch.set_by_test:
            watch.scan("environ", f"os.environ[{name!r}]", value)


def _homes(item: pytest.Item) -> set[Path]:
    homes = {os.environ.get("HOKUSAI_HOME"), getattr(item, "funcargs", {}).get("isolated_env")}
    return {Path(str(h)) for h in homes if h}


def _scan_files(watch: Watch, home: Path) -> None:
    if "files" in watch.allowed or not home.is_dir():
        return
    needles = [(key, key.encode()) for key in watch.keys]
    for path in _files(home):
        if path == home / CREDENTIAL_STORE:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for key, needle in needles:
            if needle in data:
                watch.leaks.append(f"files: {path} holds the API key {_masked(key)}")


def _files(root: Path) -> Iterable[Path]:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if not path.is_symlink():
                yield path
