"""Retries cover transient store and LLM errors, and only those: in a Prefect flow run and in a plain call."""
from __future__ import annotations

import httpx
import pymysql
import pytest
from groq import APIConnectionError, APITimeoutError, AuthenticationError, BadRequestError, RateLimitError

from autodevops.retry import is_transient
from autodevops.flows.orchestration import flow, task

REQUEST = httpx.Request("POST", "http://127.0.0.1/openai/v1/chat/completions")


def status_error(cls, code: int):
    return cls("refused", response=httpx.Response(code, request=REQUEST), body=None)


def wrapped(exc: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("scoring failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize("exc, transient", [
    (pymysql.OperationalError(2013, "Lost connection to MySQL server during query"), True),
    (pymysql.OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1'"), True),
    (pymysql.OperationalError(2006, "MySQL server has gone away"), True),
    (pymysql.OperationalError(1213, "Deadlock found when trying to get lock"), True),
    (pymysql.InterfaceError(0, ""), True),
    (pymysql.OperationalError(1045, "Access denied for user 'app'@'10.0.0.1'"), False),
    (pymysql.ProgrammingError(1064, "You have an error in your SQL syntax"), False),
    (pymysql.IntegrityError(1062, "Duplicate entry"), False),
    (APIConnectionError(request=REQUEST), True),
    (APITimeoutError(request=REQUEST), True),
    (status_error(RateLimitError, 429), True),
    (status_error(AuthenticationError, 401), False),
    (status_error(BadRequestError, 400), False),
    (ConnectionResetError(104, "Connection reset by peer"), True),
    (wrapped(pymysql.OperationalError(2013, "Lost connection")), True),
    (ValueError("embedding must be 384 finite floats"), False),
    (KeyError("pattern"), False),
    (TypeError("unsupported operand"), False),
    (FileNotFoundError(2, "No such file"), False),
])
def test_is_transient(exc, transient):
    assert is_transient(exc) is transient


def flaky(first_error: BaseException):
    """A task body that fails once with ``first_error``, then succeeds; counts its calls."""
    calls = []

    def body() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise first_error
        return "done"

    return body, calls


def retried_task(body):
    from autodevops.retry import retry_transient

    return task(name="flaky", retries=2, retry_delay_seconds=0, retry_condition_fn=retry_transient)(body)


def test_a_plain_call_retries_a_lost_connection():
    body, calls = flaky(pymysql.OperationalError(2013, "Lost connection"))
    assert retried_task(body)() == "done" and len(calls) == 2


def test_a_plain_call_does_not_retry_a_programming_error():
    body, calls = flaky(TypeError("bad argument"))
    with pytest.raises(TypeError):
        retried_task(body)()
    assert len(calls) == 1


@pytest.mark.parametrize("error, calls_made", [
    (pymysql.OperationalError(2006, "MySQL server has gone away"), 2),
    (ValueError("not transient"), 1),
])
def test_a_prefect_task_run_retries_only_transient_errors(prefect_api, error, calls_made):
    body, calls = flaky(error)
    step = retried_task(body)

    @flow(name="retry-probe")
    def probe() -> str:
        return step()

    if calls_made == 1:
        with pytest.raises(ValueError):
            probe()
    else:
        assert probe() == "done"
    assert len(calls) == calls_made
