"""Secrets: read from the environment, refused when too short to mask, masked in every
form they take in text."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ConfigError
from reconciler.secrets import (
    MASK,
    MIN_SECRET_LENGTH,
    read_secret,
    redact,
    redact_json,
    remember_secret,
    text_forms,
)


def test_an_unset_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SP_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError, match="SP_TEST_UNSET is not set; it holds the key"):
        read_secret("SP_TEST_UNSET", purpose="the key")


@pytest.mark.parametrize("value", ["Q", "Q7Z", "Q7Zk!x9"[: MIN_SECRET_LENGTH - 1]])
def test_a_secret_too_short_to_mask_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SP_TEST_SHORT", value)
    with pytest.raises(ConfigError) as raised:
        read_secret("SP_TEST_SHORT", purpose="the key")
    message = str(raised.value)
    assert "SP_TEST_SHORT" in message and f"at least {MIN_SECRET_LENGTH}" in message
    assert value not in message.replace("SP_TEST_SHORT", "")


def test_a_secret_read_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SP_TEST_READ", "read-me-secret-1")
    assert read_secret("SP_TEST_READ", purpose="the key") == "read-me-secret-1"
    assert redact("token=read-me-secret-1;") == f"token={MASK};"


_SECRETS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    min_size=MIN_SECRET_LENGTH, max_size=24,
).filter(lambda s: MASK not in s and s.strip() == s)


@given(secret=_SECRETS)
def test_every_text_form_of_a_secret_is_masked(secret: str) -> None:
    remember_secret(secret)
    for shown in (
        secret,
        json.dumps({"v": secret}),
        json.dumps({"v": secret}, ensure_ascii=False),
        "https://hook.example/?t=" + quote(secret, safe=""),
        "https://hook.example/?t=" + quote_plus(secret),
        "https://hook.example/" + quote(secret),
    ):
        masked = redact(shown)
        assert MASK in masked and not any(form in masked for form in text_forms(secret))


def test_url_escapes_in_either_case_are_masked() -> None:
    remember_secret("slash/and space")
    assert redact("a=slash%2fand+space") == f"a={MASK}"
    assert redact("a=slash%2Fand%20space") == f"a={MASK}"


def test_records_are_masked_in_keys_and_values() -> None:
    remember_secret("record-secret-9")
    record = {"message": "sent record-secret-9", "errors": {"record-secret-9": "bad"},
              "before": [[["html"], "<script>k='record-secret-9'</script>"]], "n": 3}
    assert "record-secret-9" not in json.dumps(redact_json(record))
    assert redact_json(record)["n"] == 3
