"""The exact SQL the TiDB store sends, store URL parsing, and live TiDB checks when ``TIDB_DSN`` is set."""
from __future__ import annotations

import os

import numpy as np
import pytest

from autodevops.store import dialect
from autodevops.store.base import ExampleRow, vector_text
from autodevops.store.connection import ConnectionSettings
from autodevops.store.dialect import MYSQL, TIDB, dialect_of
from autodevops.store.mysql import MySQLStore

SECRET = "s3cr:et@pw"
SECRET_URL = "tidb://abc.root:s3cr%3Aet%40pw@gateway01.eu-central-1.prod.aws.tidbcloud.com:4000/test"


def test_tidb_tables_use_a_384_d_vector_column_that_is_never_a_key():
    patterns, examples, feedback = dialect.tidb_ddl()
    assert " embedding VECTOR(384) NOT NULL," in patterns
    assert " embedding VECTOR(384) NOT NULL," in examples
    assert "VECTOR" not in feedback
    for statement in (patterns, examples):
        assert " id VARCHAR(191) NOT NULL PRIMARY KEY," in statement
        assert "(embedding)" not in statement  # no key, unique key or partition on the vector
    assert " KEY idx_examples_pattern (pattern_id)" in examples
    assert " text MEDIUMTEXT NOT NULL," in examples and " category VARCHAR(191) NULL," in examples


def test_mysql_tables_store_vectors_as_float32_bytes():
    assert all("VECTOR" not in s for s in dialect.mysql_ddl())
    assert sum(" embedding VARBINARY(1536) NOT NULL," in s for s in dialect.mysql_ddl()) == 2


def test_upserts_are_single_statement_on_duplicate_key_updates_that_keep_learned_state():
    for sql in (dialect.PATTERN_UPSERT_SQL, dialect.EXAMPLE_UPSERT_SQL):
        assert sql.startswith("INSERT INTO ") and " ON DUPLICATE KEY UPDATE " in sql
    updated = dialect.PATTERN_UPSERT_SQL.split(" ON DUPLICATE KEY UPDATE ")[1]
    assert "success_rate" not in updated and "usage_count" not in updated


def test_dialect_is_detected_from_the_server_version():
    assert dialect_of("8.0.11-TiDB-v8.5.1") is TIDB
    assert dialect_of("10.11.19-MariaDB-0+deb12u1") is MYSQL
    assert dialect_of("8.4.3") is MYSQL


def test_vector_text_round_trips_through_the_tidb_decoder():
    v = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    text = vector_text(v)
    assert text.startswith("[") and text.endswith("]") and text.count(",") == 383
    # base.vector_text writes 7 significant digits: float32 to within one part in 10**7, not bit-exact.
    assert np.allclose(TIDB.decode([text, text.encode()]), np.stack([v, v]), rtol=1e-6, atol=0)


def test_tidb_url_verifies_tls_with_the_system_ca_by_default():
    settings = ConnectionSettings.from_url(SECRET_URL)
    kwargs = settings.pymysql_kwargs()
    assert (settings.host, settings.port, settings.database) == ("gateway01.eu-central-1.prod.aws.tidbcloud.com",
                                                                 4000, "test")
    assert (kwargs["user"], kwargs["password"]) == ("abc.root", SECRET)
    assert kwargs["ssl_verify_cert"] is True and kwargs["ssl_verify_identity"] is True
    assert os.path.isfile(kwargs["ssl_ca"])


def test_tidb_url_default_port_is_4000_and_mysql_is_3306():
    assert ConnectionSettings.from_url("tidb://root@h/db").port == 4000
    assert ConnectionSettings.from_url("mysql://root@h/db").port == 3306
    assert ConnectionSettings.from_url("mariadb://root@h:3307/db").port == 3307


def test_tls_false_turns_tls_off_and_mysql_has_none_unless_asked():
    assert "ssl_ca" not in ConnectionSettings.from_url("tidb://root@127.0.0.1:4000/test?tls=false").pymysql_kwargs()
    assert "ssl_ca" not in ConnectionSettings.from_url("mysql://root@127.0.0.1/db").pymysql_kwargs()
    assert ConnectionSettings.from_url("mysql://root@db.example/x?tls=true").pymysql_kwargs()["ssl_verify_identity"]


def test_ssl_ca_option_names_the_ca_file_and_implies_tls(tmp_path):
    ca = tmp_path / "ca.pem"
    kwargs = ConnectionSettings.from_url(f"mysql://u:p@db.example/x?ssl_ca={ca}").pymysql_kwargs()
    assert (kwargs["ssl_ca"], kwargs["ssl_verify_cert"], kwargs["ssl_verify_identity"]) == (str(ca), True, True)


def test_password_never_shows_in_url_repr_or_errors():
    settings = ConnectionSettings.from_url(SECRET_URL)
    assert settings.url == "tidb://abc.root:***@gateway01.eu-central-1.prod.aws.tidbcloud.com:4000/test"
    assert "s3cr" not in repr(settings)
    for bad in (SECRET_URL.replace("/test", "/"), SECRET_URL + "?tsl=false", SECRET_URL + "?tls=maybe",
                SECRET_URL.replace(":4000", ":99999")):
        with pytest.raises(ValueError) as info:
            ConnectionSettings.from_url(bad)
        assert "s3cr" not in str(info.value) and "***" in str(info.value)


def test_unreachable_server_error_does_not_leak_the_password(caplog):
    url = f"mysql://root:{SECRET.replace(':', '%3A').replace('@', '%40')}@127.0.0.1:1/db?tls=false&connect_timeout=1"
    with pytest.raises(Exception) as info:
        MySQLStore.from_url(url, retries=2, backoff=0.01)
    assert "s3cr" not in str(info.value) and "s3cr" not in repr(info.value)
    assert caplog.records and all("s3cr" not in r.getMessage() for r in caplog.records)


# -- live TiDB (TIDB_DSN) -------------------------------------------------------------------------------------------

@pytest.fixture
def tidb_store(tidb_url):
    store = MySQLStore.from_url(tidb_url)
    yield store
    store.close()


@pytest.mark.tidb
def test_tidb_live_store_uses_the_vector_column(tidb_store):
    assert tidb_store.dialect is TIDB and tidb_store.stats()["store"] == "tidb"
    [(_, ddl)] = tidb_store._query("SHOW CREATE TABLE pattern_examples")
    assert "vector(384)" in ddl.lower()


@pytest.mark.tidb
def test_tidb_live_examples_round_trip_through_vector_text(tidb_store):
    vectors = np.random.default_rng(3).standard_normal((300, 384)).astype(np.float32)
    tidb_store.upsert_examples([ExampleRow(f"e{i:03d}", f"h{i}", f"p{i % 7}", "docker", "s", "t", "enc", v)
                                for i, v in enumerate(vectors)])
    matrix = tidb_store.examples()
    assert matrix.ids == [f"e{i:03d}" for i in range(300)]
    assert np.allclose(matrix.vectors, vectors, rtol=1e-6, atol=0)


@pytest.mark.tidb
def test_tidb_read_only_open_creates_no_table(tidb_url):
    with MySQLStore.from_url(tidb_url, read_only=True) as store:
        assert store._query("SHOW TABLES") == []
