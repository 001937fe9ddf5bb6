"""Which failures a retry may cure: lost store connections, rolled-back transactions and LLM outages.

Prefect tasks that talk to the store or the LLM retry through ``retry_transient``; anything else (a
programming error, bad input, a refused password) fails at once, because running it again changes nothing.
"""
from __future__ import annotations

from typing import Any

# Built-in socket failures that reach us unwrapped: the peer went away or did not answer in time.
_NETWORK = (ConnectionError, TimeoutError)


def is_transient(exc: BaseException) -> bool:
    """True for errors that a later attempt may not meet: store connection lost, deadlock, LLM 429/5xx/timeout.

    >>> import pymysql
    >>> is_transient(pymysql.OperationalError(2013, "Lost connection to MySQL server during query"))
    True
    >>> is_transient(pymysql.OperationalError(1045, "Access denied for user 'app'"))
    False
    >>> is_transient(ValueError("embedding must be 384 finite floats"))
    False
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # a wrapped cause counts as well
        seen.add(id(current))
        if isinstance(current, _NETWORK) or _store_transient(current) or _llm_transient(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _store_transient(exc: BaseException) -> bool:
    try:
        from autodevops.store.connection import is_transient as store_transient
    except ImportError:  # pymysql is a dependency, but the predicate must never be what fails
        return False
    return store_transient(exc)


def _llm_transient(exc: BaseException) -> bool:
    try:
        from groq import APIConnectionError, InternalServerError, RateLimitError
    except ImportError:
        return False
    # APIConnectionError covers APITimeoutError; a 4xx other than 429 is our request's fault, never transient.
    return isinstance(exc, (APIConnectionError, RateLimitError, InternalServerError))


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's ``retry_condition_fn``: retry the task only when it failed on a transient error."""
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return isinstance(exc, BaseException) and is_transient(exc)
