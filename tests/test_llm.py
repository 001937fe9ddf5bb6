"""The Groq fallback over real HTTP against a loopback server; redaction; no key, no request."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from autodevops.analyzer import Analyzer, LogInput
from autodevops.llm import GroqAdvisor
from autodevops.redaction import REDACTED, redact

TAXONOMY = {"runtime.missing_env_var": "A required environment variable or setting is absent"}
ANSWER = {"pattern_id": "runtime.missing_env_var", "title": "Set FEATURE_FLAGS_URL",
          "steps": ["Add the variable to the deployment", "Redeploy"],
          "commands": ["kubectl set env deploy/web FEATURE_FLAGS_URL=<url>"], "estimated_minutes": 5}


class FakeGroq(BaseHTTPRequestHandler):
    """Answers /openai/v1/chat/completions like Groq's OpenAI-compatible API; records each request."""

    requests: list = []
    status = 200
    content = json.dumps(ANSWER)

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGroq.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": FakeGroq.content}}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(payload if FakeGroq.status == 200 else {"error": {"message": "slow down"}}).encode()
        self.send_response(FakeGroq.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def groq_url():
    FakeGroq.requests, FakeGroq.status, FakeGroq.content = [], 200, json.dumps(ANSWER)
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGroq)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("secret, shown", [
    ("AKIAIOSFODNN7EXAMPLE", REDACTED),
    ("Authorization: Bearer abcdef123456789", f"Authorization: Bearer {REDACTED}"),
    ("mysql://app:pa55word@db:3306/shop", f"mysql://app:{REDACTED}@db:3306/shop"),
    ("DB_PASSWORD=hunter2 next", f"DB_PASSWORD={REDACTED} next"),
    ('"api_key": "sk-live-123"', f'"api_key": {REDACTED}'),
    ("token ghp_0123456789abcdefghijABCDEFGHIJ", f"token {REDACTED}"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", REDACTED),
    ("connect ECONNREFUSED 10.0.0.5:5432", "connect ECONNREFUSED 10.0.0.5:5432"),
])
def test_redact(secret, shown):
    assert redact(secret) == shown


def test_advisor_sends_redacted_lines_and_validates_the_answer(groq_url):
    advisor = GroqAdvisor("gsk-test-key", "llama-test", TAXONOMY, base_url=groq_url, max_retries=0)
    answer = advisor.advise(["Error: FEATURE_FLAGS_URL is undefined", "using DATABASE_URL=postgres://u:pw@db/x"])
    assert answer is not None and answer.pattern_id == "runtime.missing_env_var" and answer.estimated_minutes == 5
    request = FakeGroq.requests[0]
    assert request["path"] == "/openai/v1/chat/completions" and request["auth"] == "Bearer gsk-test-key"
    assert request["body"]["model"] == "llama-test"
    sent = request["body"]["messages"][1]["content"]
    assert "pw@" not in sent and f"u:{REDACTED}@db" in sent


def test_an_id_outside_the_taxonomy_is_dropped(groq_url):
    FakeGroq.content = json.dumps({**ANSWER, "pattern_id": "made.up"})
    answer = GroqAdvisor("k", "m", TAXONOMY, base_url=groq_url, max_retries=0).advise(["x failed"])
    assert answer is not None and answer.pattern_id is None


@pytest.mark.parametrize("status, content", [(200, "not json"), (200, json.dumps({"title": "x"})), (429, "")])
def test_invalid_answers_and_api_errors_give_no_answer(groq_url, status, content):
    FakeGroq.status, FakeGroq.content = status, content
    assert GroqAdvisor("k", "m", TAXONOMY, base_url=groq_url, max_retries=0).advise(["x failed"]) is None
    assert len(FakeGroq.requests) == 1


def test_analyzer_asks_only_for_abstained_logs(analyzer, groq_url):
    advisor = GroqAdvisor("k", "m", TAXONOMY, base_url=groq_url, max_retries=0)
    with_llm = Analyzer(analyzer.matcher, list(analyzer.patterns.values()), analyzer.encoder,
                        analyzer.calibrator, analyzer.config, advisor)
    known, unknown = with_llm.analyze_batch([
        LogInput("a", "Error response from daemon: Bind for 0.0.0.0:80 failed: port is already allocated"),
        LogInput("b", "panic: feature flag service returned garbage\ngoroutine 1 [running]:\nmain.main()"),
    ])
    assert known.source == "pattern" and unknown.source == "llm"
    assert unknown.pattern_id == "runtime.missing_env_var" and unknown.confidence == 0.5
    assert unknown.solution["steps"] == ["1. Add the variable to the deployment", "2. Redeploy"]
    assert len(FakeGroq.requests) == 1


def test_without_a_key_no_client_exists(ingested_home, monkeypatch):
    from autodevops.settings import Settings

    monkeypatch.setenv("AUTODEVOPS_HOME", str(ingested_home))
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    assert Analyzer.load(Settings.from_env()).advisor is None
