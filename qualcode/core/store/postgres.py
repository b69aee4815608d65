"""The PostgreSQL engine: a study on a team's server, under the same repositories as a project file.

`ServerDatabase` offers what `Database` offers (``execute``, ``executemany``,
``transaction``, the schema and its version), so every repository runs on
either. The repositories write portable SQL with ``?`` placeholders; the one
dialect step here rewrites those for psycopg and the schema's SQLite types for
PostgreSQL. One study is one database.

The password never travels in the URL: libpq finds it in ``~/.pgpass``,
``PGPASSWORD`` or a service file, and TLS follows the URL's ``sslmode``.

A lost connection is `ServerUnreachable`, a kind of `ProjectBusy`: nothing of
the change was committed, the caller may try again (the workbench keeps it
pending), and the next statement connects afresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from qualcode.core.errors import BadInput, ProjectBusy, QualcodeError
from qualcode.core.store.database import BUSY_TIMEOUT_S, SCHEMA_VERSION, TransactionScope, _schema_sql, split_sql

SCHEMES = ("postgresql://", "postgres://")

# Forward migrations of a server's schema: PG_MIGRATIONS[v] takes a study from v to v + 1.
# Server studies start at schema 10, so the file's older steps never apply here.
FIRST_SERVER_SCHEMA = 10
PG_MIGRATIONS: dict[int, str] = {}


def is_server_url(target: object) -> bool:
    """Does this name a study on a PostgreSQL server rather than a project file?"""
    return str(target).startswith(SCHEMES)


class ServerURL(str):
    """A server study's address as the user wrote it (it never holds a password).

    ``name`` and ``stem`` are the database's name, so messages and default
    titles read as they do for a file named ``b2s.qc``.
    """

    @property
    def dbname(self) -> str:
        return str(_conninfo(self).get("dbname") or "")

    @property
    def name(self) -> str:
        return self.dbname

    @property
    def stem(self) -> str:
        return self.dbname

    @property
    def user(self) -> str | None:
        return _conninfo(self).get("user")


def _conninfo(url: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(url)


def parse_server_url(text: str) -> ServerURL:
    """Check a server URL: it must name a database and must not carry a password."""
    _driver()
    try:
        info = _conninfo(text)
    except Exception as e:  # psycopg.ProgrammingError: libpq could not parse it
        raise BadInput(
            f"is not a PostgreSQL URL ({_first_line(e)}); write postgresql://USER@HOST[:PORT]/DATABASE",
            where=_masked(text),
        ) from None
    if info.get("password"):
        raise BadInput(
            "holds a password; leave it out of the URL and put it in ~/.pgpass, PGPASSWORD or a service file",
            where=_masked(text),
        )
    if not info.get("dbname"):
        raise BadInput("names no database; write postgresql://USER@HOST[:PORT]/DATABASE", where=text)
    return ServerURL(text)


def _masked(text: str) -> str:
    """The URL with any password replaced, fit for a message."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise BadInput(
            "a server project needs the PostgreSQL driver; install it with: pip install 'qualcode[server]'"
        ) from None
    return psycopg


class ServerUnreachable(ProjectBusy):
    """The connection to the server was lost or could not be made; nothing of the change was committed."""

    def __init__(self, url: str, reason: str) -> None:
        self.reason = reason
        QualcodeError.__init__(
            self,
            f"{url}: the connection to the server is lost ({reason}); nothing of the last change was saved; "
            "try again when the server answers",
        )
        self.path = url
        self.waited = None


# -- the dialect -------------------------------------------------------------------


def to_psycopg(sql: str, params: Any) -> str:
    """``?`` placeholders as ``%s``, a literal ``%`` doubled (our SQL has no ``?`` inside strings).

    Without parameters psycopg sends the statement as it is, so it stays as written.
    """
    return _rewritten(sql) if params else sql


@lru_cache(maxsize=4096)
def _rewritten(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def pg_schema(sql: str) -> str:
    """The project schema's SQLite column types in PostgreSQL's words.

    Keys become 64-bit identities (explicit ids, as a push writes them, are
    still accepted); text compares byte-wise ("C"), as SQLite does, so orders
    are the same on both engines.
    """
    sql = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)
    return re.sub(r"\)\s*WITHOUT ROWID", ")", sql)


CODEBOOK_CHANNEL = "qualcode_codebook"
"""Every change to the codes is announced on this channel (LISTEN/NOTIFY), so open workbenches read it again."""

CODEBOOK_CHANGED = f"""
CREATE FUNCTION qualcode_codebook_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CODEBOOK_CHANNEL}', TG_OP);
    RETURN NULL;
END $$"""


class CodebookWatch:
    """A connection of its own that hears when anyone commits a change to the study's codebook."""

    def __init__(self, url: str) -> None:
        psycopg = _driver()
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="qualcode watch")
        except psycopg.OperationalError as e:
            raise ServerUnreachable(url, _first_line(e)) from None
        self.conn.execute(f"LISTEN {CODEBOOK_CHANNEL}")
        self.url = url

    def wait(self, timeout: float) -> bool:
        """True when the codebook changed within ``timeout`` seconds (several changes count once)."""
        psycopg = _driver()
        try:
            changed = False
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                changed = True
            return changed
        except psycopg.OperationalError as e:
            raise ServerUnreachable(self.url, _first_line(e)) from None

    def close(self) -> None:
        self.conn.close()


class ServerDatabase(TransactionScope):
    """One study on a PostgreSQL server: the connection and the transaction every repository joins."""

    engine = "postgresql"

    def __init__(self, url: str, *, create: bool = False, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = url if isinstance(url, ServerURL) else parse_server_url(url)
        self.timeout = timeout
        """Seconds a write waits for another session's lock before `ProjectBusy`."""
        self._psycopg = _driver()
        self._depth = 0
        self.conn = self._connect()
        if not create and not self._has_schema():
            self.close()
            raise BadInput(
                "holds no qualcode study; set one up with 'qualcode server init' or 'qualcode server push'",
                where=self.path,
            )

    # -- the connection ------------------------------------------------------------

    def _connect(self) -> Any:
        psycopg = self._psycopg
        try:
            conn = psycopg.connect(self.path, autocommit=True, connect_timeout=10, application_name="qualcode")
        except psycopg.OperationalError as e:
            raise BadInput(_refusal(e), where=self.path) from None
        from psycopg.types.numeric import IntDumper

        # The repositories pass Python bools for the 0/1 columns, as SQLite takes them.
        conn.adapters.register_dumper(bool, IntDumper)
        conn.execute(f"SET lock_timeout = {_lock_ms(self.timeout)}")
        return conn

    def _alive(self) -> Any:
        """The connection, made again if the last one was lost (only between transactions)."""
        if self.conn.closed or self.conn.broken:
            try:
                self.conn = self._connect()
            except BadInput as e:
                raise ServerUnreachable(self.path, str(e).split(": ", 1)[-1]) from None
        return self.conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """PostgreSQL's errors as qualcode's: busy, unreachable, refused, clashing."""
        psycopg = self._psycopg
        errors = psycopg.errors
        try:
            yield
        except (errors.LockNotAvailable, errors.SerializationFailure, errors.DeadlockDetected) as e:
            raise ProjectBusy(self.path, waited=self.timeout) from e
        except errors.InsufficientPrivilege as e:
            raise BadInput(
                f"the server refused this ({_first_line(e)}); your role may not do it on this study: "
                "ask the study's lead",
                where=self.path,
            ) from None
        except errors.DataError as e:
            raise BadInput(
                f"the server cannot keep this value ({_first_line(e)}); correct the input; nothing was written",
                where=self.path,
            ) from None
        except errors.IntegrityError as e:
            raise BadInput(
                f"the input clashes with what the study holds already ({_first_line(e)}); "
                "rename the item or remove the other one; nothing was written",
                where=self.path,
            ) from None
        except psycopg.OperationalError as e:
            if self.conn.closed or self.conn.broken:
                self._depth = 0
                raise ServerUnreachable(self.path, _first_line(e)) from e
            raise

    def close(self) -> None:
        self.conn.close()

    def watch_codebook(self) -> CodebookWatch:
        return CodebookWatch(self.path)

    # -- statements ------------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> Any:
        conn = self._alive() if self._depth == 0 else self.conn
        with self._errors():
            return conn.execute(to_psycopg(sql, params), params or None)

    def executemany(self, sql: str, rows: Any) -> Any:
        conn = self._alive() if self._depth == 0 else self.conn
        with self._errors():
            cur = conn.cursor()
            cur.executemany(to_psycopg(sql, True), rows)
            return cur

    @staticmethod
    def joined_ids(column: str) -> str:
        return f"string_agg(CAST({column} AS TEXT), ',')"

    def _begin(self) -> None:
        conn = self._alive()
        with self._errors():
            conn.execute("BEGIN")

    def _commit(self) -> None:
        with self._errors():
            self.conn.execute("COMMIT")

    def _abandon(self) -> None:
        # A lost connection has nothing to roll back: the server ended the transaction with it.
        if not (self.conn.closed or self.conn.broken) and self.conn.info.transaction_status != 0:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """For the writes inside, wait at most ``seconds`` for another session's lock."""
        usual = self.timeout
        self.execute(f"SET lock_timeout = {_lock_ms(seconds)}")
        self.timeout = seconds
        try:
            yield
        finally:
            self.timeout = usual
            if not (self.conn.closed or self.conn.broken):
                self.conn.execute(f"SET lock_timeout = {_lock_ms(usual)}")

    # -- the schema --------------------------------------------------------------------

    def _has_schema(self) -> bool:
        row = self.conn.execute("SELECT to_regclass('qualcode_schema') IS NOT NULL").fetchone()
        return bool(row[0])

    def create_schema(self, settings: dict[str, Any]) -> None:
        """Lay out a new study's tables and first settings in an empty database."""
        import json

        if self._has_schema():
            raise BadInput(
                "holds a qualcode study already; push with --replace to replace it, or name another database",
                where=self.path,
            )
        with self.transaction():
            for statement in split_sql(pg_schema(_schema_sql())):
                self.conn.execute(statement)
            self.conn.execute(CODEBOOK_CHANGED)
            self.conn.execute(
                "CREATE TRIGGER codebook_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON codes "
                "FOR EACH STATEMENT EXECUTE FUNCTION qualcode_codebook_changed()"
            )
            self.conn.execute("CREATE TABLE qualcode_schema (version INTEGER NOT NULL)")
            self.conn.execute("INSERT INTO qualcode_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            for key, value in settings.items():
                self.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False))
                )

    def schema_version(self) -> int:
        return int(self.execute("SELECT version FROM qualcode_schema").fetchone()[0])

    def upgrade(self) -> None:
        """Bring an older study on the server to this schema; refuse a newer one."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            self.close()
            raise BadInput(
                f"was set up by a newer qualcode (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade qualcode to open it",
                where=self.path,
            )
        if version < SCHEMA_VERSION:
            with self.transaction():
                for v in range(version, SCHEMA_VERSION):
                    for statement in split_sql(PG_MIGRATIONS[v]):
                        self.conn.execute(statement)
                self.conn.execute("UPDATE qualcode_schema SET version = %s", (SCHEMA_VERSION,))


def _lock_ms(seconds: float) -> int:
    """A wait as PostgreSQL's lock_timeout: 0 would mean "wait for ever", so the shortest is 1 ms."""
    return max(1, int(seconds * 1000))


def _refusal(e: BaseException) -> str:
    """Why libpq would not connect, in one line, with what to do."""
    text = " ".join(str(e).split())
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return "the server refused the login; check the user and the password in ~/.pgpass or PGPASSWORD"
    if "does not exist" in low and "database" in low:
        return "no such database on the server; check the URL, or ask the server's admin to create it"
    if "does not exist" in low and "role" in low:
        return "the server knows no such user; check the URL, or ask the study's lead to add you as a coder"
    if "connection refused" in low or "could not translate host name" in low or "timeout" in low:
        return f"the server cannot be reached ({_last_clause(text)}); check the host and port in the URL"
    return f"the server refused the connection ({_last_clause(text)})"


def _last_clause(text: str) -> str:
    # libpq's messages run "connection to server at ... failed: <reason>"; the reason is what helps.
    return text.rsplit("failed: ", 1)[-1].strip()
