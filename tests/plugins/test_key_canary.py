"""The key canary fails tests that leak a key, in each channel, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

LEAKY_TESTS = """
import logging
import os
import sys
import warnings

import pytest

from hokusai.config.credentials import ApiKey

KEY = "hk_live_L2vHyFA1qQmlcrk0zRHjlMUeUZGvpxuVoaqK"  # alice, from fixtures/keys.json
OWN = "hk_live_" + "Q" * 28 + "own1"  # in no key file: the canary learns it from ApiKey


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOKUSAI_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def clean_environ():
    yield
    os.environ.pop("SOME_VARIABLE", None)


def test_leaks_in_a_debug_log_nobody_emits():
    logging.getLogger("deep.inside").debug("sending %s", KEY)


def test_leaks_in_a_logged_exception():
    try:
        raise ValueError(KEY)
    except ValueError:
        logging.getLogger("x").info("failed", exc_info=True)


def test_leaks_on_stdout():
    print("the key is", KEY)


def test_leaks_on_stderr_read_by_capsys(capsys):
    sys.stderr.write(KEY)
    capsys.readouterr()


def test_leaks_in_a_raised_exception():
    raise RuntimeError(f"refused {KEY}")


def test_leaks_in_the_cause_of_an_exception_pytest_raises_caught():
    with pytest.raises(ValueError):
        raise ValueError("refused") from KeyError(KEY)


def test_leaks_in_a_warning():
    warnings.warn(f"careful with {KEY}")


def test_leaks_in_a_file_under_home(home):
    (home / "pending").mkdir()
    (home / "pending" / "record.json").write_text(KEY)


def test_leaks_into_the_environment(clean_environ):
    os.environ["SOME_VARIABLE"] = KEY


def test_leaks_a_key_only_the_test_made():
    ApiKey(OWN)
    print(OWN)


def test_keeps_the_key_in_the_credential_store(home):
    (home / "credentials").write_text(KEY)


def test_sets_the_key_variable_itself(monkeypatch):
    monkeypatch.setenv("HOKUSAI_API_KEY", KEY)


def test_prints_the_masked_key():
    print(repr(ApiKey(KEY)), ApiKey(KEY).masked)


@pytest.mark.key_canary_allow("output", reason="shows the key to the user on purpose")
def test_prints_the_key_on_purpose():
    print(KEY)
"""

LEAKS = {
    "test_leaks_in_a_debug_log_nobody_emits": "logs: a log call of logger 'deep.inside'",
    "test_leaks_in_a_logged_exception": "logs: a log call of logger 'x' (its exc_info)",
    "test_leaks_on_stdout": "output: captured stdout call",
    "test_leaks_on_stderr_read_by_capsys": "output: stderr read by a capture fixture",
    "test_leaks_in_a_raised_exception": "exceptions: the exception that ended call",
    "test_leaks_in_the_cause_of_an_exception_pytest_raises_caught": (
        "exceptions: an exception caught by pytest.raises"
    ),
    "test_leaks_in_a_warning": "warnings: a warning",
    "test_leaks_in_a_file_under_home": "record.json holds the API key",
    "test_leaks_into_the_environment": "environ: os.environ['SOME_VARIABLE']",
    "test_leaks_a_key_only_the_test_made": "output: captured stdout call holds the API key "
    "hk_live_…own1",
}


@pytest.mark.key_canary_allow("output", reason="pytester echoes the leaking tests' output")
def test_the_canary_fails_each_leaking_test_and_passes_the_others(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makepyfile(test_leaky=LEAKY_TESTS)

    result = pytester.runpytest_subprocess("-p", "tests.plugins.key_canary", "-p", "no:randomly")

    result.assert_outcomes(failed=len(LEAKS), passed=4)
    output = result.stdout.str()
    for test, where in LEAKS.items():
        assert f"FAILED test_leaky.py::{test}" in output
        assert where in output, test
    canary_lines = [line for line in output.splitlines() if "holds the API key" in line]
    assert canary_lines
    assert not any("L2vHyFA1qQmlcrk0zRHjlMUeUZGvpxuVoaqK" in line for line in canary_lines)
