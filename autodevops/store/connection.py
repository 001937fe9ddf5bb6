"""Where and how to reach a MySQL-protocol server: store URLs, TLS, and which errors are worth a retry."""
from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import pymysql

DEFAULT_PORTS = {"tidb": 4000, "mysql": 3306, "mariadb": 3306}
SYSTEM_CA_FALLBACK = "/etc/ssl/certs/ca-certificates.crt"

# Errors after which the same statement may succeed on a fresh attempt: the connection is gone
# (2003 can't connect, 2006 server gone, 2013 / 2055 lost connection, 4031 idle disconnect) or the
# server rolled the transaction back (1205 lock wait timeout, 1213 deadlock, TiDB 8022 / 8028 / 9007).
CONNECTION_LOST_CODES = frozenset({2003, 2006, 2013, 2055, 4031})
ROLLED_BACK_CODES = frozenset({1205, 1213, 8022, 8028, 9007})


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs, errors and MLflow).

    >>> redact_url("tidb://u:secret@h:4000/db")
    'tidb://u:***@h:4000/db'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def system_ca_bundle() -> str:
    """The operating system's CA bundle, used to verify TiDB Cloud's certificate."""
    for candidate in (ssl.get_default_verify_paths().cafile, SYSTEM_CA_FALLBACK):
        if candidate and os.path.exists(candidate):
            return candidate
    raise ValueError("no system CA bundle found: pass ?ssl_ca=/path/to/ca.pem in the store URL")


def _flag(name: str, value: str, shown_url: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"store URL option {name}={value!r} is not a boolean in {shown_url!r}")


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to connect, parsed from a store URL; the password never appears in repr."""

    url: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    tls: bool
    ssl_ca: str | None = None
    connect_timeout: int = 10
    read_timeout: int = 300

    @classmethod
    def from_url(cls, url: str) -> "ConnectionSettings":
        """Parse ``tidb://`` (TLS verified by default), ``mysql://`` / ``mariadb://`` (no TLS unless ``?tls=true``)."""
        shown = redact_url(url)
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"unsupported store URL scheme in {shown!r}")
        database = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not database or "/" in database:
            raise ValueError(f"store URL {shown!r} needs a host and a database: scheme://user:password@host:port/db")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError(f"store URL {shown!r} has an invalid port") from None
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(options) - {"tls", "ssl_ca", "connect_timeout", "read_timeout"}
        if unknown:
            raise ValueError(f"unknown store URL option(s) {sorted(unknown)} in {shown!r}")
        ssl_ca = options.get("ssl_ca") or None
        tls = _flag("tls", options["tls"], shown) if "tls" in options else (parts.scheme == "tidb" or ssl_ca is not None)
        return cls(url=shown, host=parts.hostname, port=port, user=unquote(parts.username or "root"),
                   password=unquote(parts.password or ""), database=database, tls=tls, ssl_ca=ssl_ca,
                   connect_timeout=int(options.get("connect_timeout", 10)),
                   read_timeout=int(options.get("read_timeout", 300)))

    def pymysql_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``pymysql.connect``; TLS always verifies the certificate and the host name."""
        kwargs: dict[str, Any] = dict(
            host=self.host, port=self.port, user=self.user, password=self.password, database=self.database,
            charset="utf8mb4", autocommit=True, connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout, write_timeout=self.read_timeout)
        if self.tls:
            kwargs.update(ssl_ca=self.ssl_ca or system_ca_bundle(), ssl_verify_cert=True, ssl_verify_identity=True)
        return kwargs


def _error_code(exc: BaseException) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def connection_lost(exc: BaseException) -> bool:
    """True when the connection is unusable and must be re-opened."""
    return isinstance(exc, pymysql.InterfaceError) or (
        isinstance(exc, pymysql.OperationalError) and _error_code(exc) in CONNECTION_LOST_CODES)


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: a lost connection, a deadlock, a lock wait timeout, a TiDB retryable error."""
    return connection_lost(exc) or (isinstance(exc, pymysql.MySQLError) and _error_code(exc) in ROLLED_BACK_CODES)
