"""The key is a value that cannot leak by accident, and a broken key fails before any request."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from hokusai.config.credentials import ApiKey
from hokusai.errors import ConfigurationError

SECRET = "hk_live_" + "A1b2C3d4" * 4 + "wxyz"


def test_repr_str_and_format_show_only_the_masked_key() -> None:
    key = ApiKey(SECRET)
    for shown in (repr(key), str(key), f"{key}", f"{key:>30}", "%s" % (key,), str([key])):  # noqa: UP031 - %-formatting is what logging uses
        assert SECRET not in shown
        assert "hk_live_…wxyz" in shown


def test_reveal_returns_the_secret_for_the_header() -> None:
    assert ApiKey(SECRET).reveal() == SECRET


def test_refuses_to_pickle() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(ApiKey(SECRET))


def test_copies_are_the_same_key() -> None:
    key = ApiKey(SECRET)
    assert copy.deepcopy(key) == key and copy.copy(key) == key


def test_surrounding_whitespace_is_stripped() -> None:
    assert ApiKey(f"  {SECRET}\n").reveal() == SECRET


@pytest.mark.parametrize(
    "bad",
    [
        SECRET[:10] + " " + SECRET[10:],
        SECRET + "\r\nX-Injected: 1",
        SECRET[:5] + "\x00" + SECRET[5:],
        SECRET[:-1] + "é",
    ],
    ids=["inner-space", "header-injection", "nul", "non-ascii"],
)
def test_unsendable_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ApiKey(bad, source="HOKUSAI_API_KEY")
    assert "HOKUSAI_API_KEY" in str(info.value)
    assert SECRET[8:20] not in str(info.value)


def test_empty_key_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="empty"):
        ApiKey("   ")


def test_unknown_prefix_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        key = ApiKey("sk_" + "x" * 36)
    assert key.reveal().startswith("sk_")
    assert "does not start with hk_live_" in caplog.text
    assert "x" * 36 not in caplog.text


def test_short_keys_do_not_reveal_their_tail() -> None:
    assert ApiKey("hk_dev_abc").masked == "hk_dev_…"
