"""Secret kinds redaction must catch beyond the basic ones (see also tests/test_llm.py::test_redact)."""
import pytest

from autodevops.redaction import REDACTED, redact


@pytest.mark.parametrize("text, shown", [
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234567890abcdef\nMIIEowIBAAKCAQEAzyxwvu", REDACTED),  # no END line
    ('"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"',
     f'"private_key": "{REDACTED}\\n"'),
    ("key=AIzaSyA1234567890abcdefghijklmnopqrstuv", f"key={REDACTED}"),
    ("using AIzaSyA1234567890abcdefghijklmnopqrstuv now", f"using {REDACTED} now"),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", f"stripe {REDACTED}"),
    ("//registry.npmjs.org/:_authToken npm_abcdefghijklmnopqrstuvwxyz0123456789",
     f"//registry.npmjs.org/:_authToken {REDACTED}"),
    ("GET https://acct.blob.core.windows.net/c/f?sv=2020-08-04&sig=abc%2Bdef&se=1 403",
     f"GET https://acct.blob.core.windows.net/c/f?sv=2020-08-04&sig={REDACTED}&se=1 403"),
    ("https://s3.amazonaws.com/b/k?X-Amz-Signature=0123abcd&X-Amz-Date=1",
     f"https://s3.amazonaws.com/b/k?X-Amz-Signature={REDACTED}&X-Amz-Date=1"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", f"aws_secret_access_key = {REDACTED}"),
    ("Error: sk-ant-not-a-key? no: plain words stay", "Error: sk-ant-not-a-key? no: plain words stay"),
])
def test_redact_more_kinds(text, shown):
    assert redact(text) == shown


def every_rule(text: str) -> str:
    """Redaction without the substring gate: every rule runs on every text."""
    from autodevops.redaction import _SECRETS

    for pattern, replacement, _ in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def test_the_substring_gate_changes_no_result():
    """The gate only skips rules that cannot match: on every corpus line, and on secrets in other cases, the
    result equals running every rule."""
    from autodevops.corpus import load_corpus

    lines = [line for split in ("train", "heldout") for r in load_corpus(split) for line in r.log.splitlines()]
    lines += ["PASSWORD=hunter2", "Authorization: BEARER abcdefgh12345", "HTTPS://u:p@HOST/x", "KEY=Ab3",
              "ApiKey: abc", "X-AMZ-SIGNATURE=abc&", "SecretAccessKey: x", "ſecret=1 \u212aey=2 passwd=3",
              "cloning with github_pat_11AAAA0123456789_zzzzyyyyxxxxwwwwvvvv", "using glpat-abcdefghij0123456789xy",
              "slack xoxb-1234567890-abcdefghij", "GSK_abcdefghijklmnopqrstuvwx"]
    changed = [line for line in lines if redact(line) != every_rule(line)]
    assert changed == []
    assert sum(redact(line) != line for line in lines) >= 11  # the gate lets the secrets through to their rules
