"""Inputs a user (or a typo, or an attacker) can hand the SDK."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.conftest import KEYS

KEY = KEYS["alice"]

# Text the environment and files can hold: no NUL, no lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
short_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
# The key where it does not belong, or almost the key.
key_shaped = st.sampled_from([KEY, f" {KEY} ", f"{KEY}\n", f"Bearer {KEY}", f"{KEY}x", KEY[:-1]])

_schemes = st.sampled_from(
    ["https", "http", "HTTPS", "file", "sqlite", "ftp", "mlflow", "databricks", "", "javascript"]
)
_hosts = st.sampled_from(
    [
        "127.0.0.1",
        "localhost",
        "registry.hokus.ai",
        "[::1]",
        "[::1",
        "example.com",
        "",
        "a b",
        "user:pw@example.com",
        f"{KEY}@example.com",
    ]
)
_ports = st.sampled_from(["", ":0", ":80", ":99999", ":x", ":-1", ":5000"])
_paths = st.sampled_from(["", "/", "/api/mlflow", "/../..", "/%00", "?api_key=" + KEY, "#frag"])


@st.composite
def _built_uri(draw: st.DrawFn) -> str:
    scheme = draw(_schemes)
    prefix = f"{scheme}://" if scheme else ""
    return f"{prefix}{draw(_hosts)}{draw(_ports)}{draw(_paths)}{draw(short_text)}"


uris = st.one_of(_built_uri(), text, key_shaped)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    text,
    key_shaped,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(short_text, short_text, max_size=2),
)
seconds = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 10_000),
    text,
    key_shaped,
    st.booleans(),
)
modes = st.one_of(st.sampled_from(["auto", "remote", "local", "mock", "optional"]), text)
