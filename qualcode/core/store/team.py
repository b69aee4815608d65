"""A study's team on the server: roles, and blinding kept by PostgreSQL's row-level security.

Each coder logs in as their own PostgreSQL role, named as the coder is in the
study. Two group roles per study database hold the rights: ``<db>_coders`` may
read the transcripts and the codebook and write only their own work;
``<db>_leads`` read and write everything. The policies below decide row by
row, on the server, so a coder's raw ``SELECT`` in psql sees what qualcode
shows them and nothing more.

While the study is blinded, a coder sees only their own codings, spans, memos,
stars, done marks, rejected suggestions and journal entries, and no decisions.
After ``unblind`` coders may read everyone's work; they still write only their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.core.errors import BadInput
from qualcode.core.store.transfer import INDEX_TABLES

if TYPE_CHECKING:
    from qualcode.core.store.postgres import ServerDatabase

OWN_ROWS = ("codings", "spans", "memos", "transcripts_done", "rejected_suggestions")
"""Tables whose rows belong to one coder (``coder_id``)."""

CODER_WRITES = (*OWN_ROWS, "journal", "audit_log", "coders", *INDEX_TABLES)
"""What a coder may write: their own work, the log of it, and the text and search indexes (caches any
reader may build)."""

SERVER_TABLES = ("server_roles", "server_state")


def groups(server: ServerDatabase) -> tuple[str, str]:
    """The study's two group roles: its coders and its leads."""
    db = server.path.dbname
    return f"{db}_coders", f"{db}_leads"


def _ident(server: ServerDatabase, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(server.conn)


def has_team(server: ServerDatabase) -> bool:
    row = server.execute("SELECT to_regclass('server_roles') IS NOT NULL").fetchone()
    return bool(row[0])


def install(server: ServerDatabase, lead: str) -> None:
    """Roles, grants and policies of a study (again, safely, when they are there), with ``lead`` as its lead."""
    coders_group, leads_group = groups(server)
    coders_q, leads_q = _ident(server, coders_group), _ident(server, leads_group)
    with server.transaction():
        run = server.conn.execute
        run(
            """CREATE TABLE IF NOT EXISTS server_roles (
                role TEXT COLLATE "C" PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('lead', 'coder')))"""
        )
        run("CREATE TABLE IF NOT EXISTS server_state (blinded BOOLEAN NOT NULL)")
        run("INSERT INTO server_state (blinded) SELECT true WHERE NOT EXISTS (SELECT 1 FROM server_state)")
        # Definer's rights: a coder may not read server_roles itself, yet each policy must look a role up.
        run(
            """CREATE OR REPLACE FUNCTION qualcode_is_lead(who TEXT) RETURNS BOOLEAN
               LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT EXISTS (SELECT 1 FROM server_roles WHERE role = who AND kind = 'lead') $$"""
        )
        run(
            """CREATE OR REPLACE FUNCTION qualcode_sees_all(who TEXT) RETURNS BOOLEAN
               LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT qualcode_is_lead(who) OR NOT (SELECT blinded FROM server_state LIMIT 1) $$"""
        )
        run(
            """CREATE OR REPLACE FUNCTION qualcode_coder_of(who TEXT) RETURNS BIGINT
               LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
               $$ SELECT c.id FROM coders c JOIN server_roles r ON r.role = c.name
                  WHERE c.name = who AND r.kind = 'coder' $$"""
        )
        for group in (coders_group, leads_group):
            if not run("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).fetchone():
                run(f"CREATE ROLE {_ident(server, group)} NOLOGIN")
        tables = [r[0] for r in run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            run(f"REVOKE ALL ON {table} FROM PUBLIC")
            run(f"GRANT ALL ON {table} TO {leads_q}")
            if table not in SERVER_TABLES:
                run(f"GRANT SELECT ON {table} TO {coders_q}")
        for table in CODER_WRITES:
            run(f"GRANT INSERT, UPDATE, DELETE ON {table} TO {coders_q}")
        run(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {coders_q}, {leads_q}")
        sees_all = "(SELECT qualcode_sees_all(current_user))"
        is_lead = "(SELECT qualcode_is_lead(current_user))"
        mine = "coder_id = (SELECT qualcode_coder_of(current_user))"
        policies = {table: (f"{sees_all} OR {mine}", f"{is_lead} OR {mine}") for table in OWN_ROWS}
        policies["selections"] = (f"coder_id IS NULL OR {sees_all} OR {mine}", is_lead)
        policies["journal"] = (f"{sees_all} OR author = current_user", f"{is_lead} OR author = current_user")
        policies["decisions"] = (sees_all, is_lead)
        policies["handouts"] = (is_lead, is_lead)
        policies["audit_log"] = (f"{sees_all} OR actor = current_user", f"{is_lead} OR actor = current_user")
        policies["coders"] = ("true", f"{is_lead} OR name = current_user")
        for table, (read, write) in policies.items():
            run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            for name in ("qualcode_read", "qualcode_write"):
                run(f"DROP POLICY IF EXISTS {name} ON {table}")
            run(f"CREATE POLICY qualcode_read ON {table} FOR SELECT USING ({read})")
            run(f"CREATE POLICY qualcode_write ON {table} FOR ALL USING ({write}) WITH CHECK ({write})")
        _member(server, lead, leads_group, "lead")


def _member(server: ServerDatabase, role: str, group: str, kind: str) -> None:
    run = server.conn.execute
    if not run("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
        run(f"CREATE ROLE {_ident(server, role)} LOGIN")
    run(f"GRANT {_ident(server, group)} TO {_ident(server, role)}")
    run(
        "INSERT INTO server_roles (role, kind) VALUES (%s, %s) ON CONFLICT (role) DO UPDATE SET kind = excluded.kind",
        (role, kind),
    )


def add_coder(server: ServerDatabase, name: str) -> bool:
    """Let role ``name`` code the study as coder ``name`` (the role is made when it is new); False if it could."""
    coders_group, _ = groups(server)
    with server.transaction():
        kind = server.execute("SELECT kind FROM server_roles WHERE role = ?", (name,)).fetchone()
        if kind and kind[0] == "lead":
            raise BadInput("is the study's lead; a lead cannot also be one of its blind coders", where=name)
        _member(server, name, coders_group, "coder")
        server.execute("INSERT INTO coders (name, is_consensus) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,))
    return kind is not None


def remove_coder(server: ServerDatabase, name: str) -> None:
    """Take a coder's rights on the study away; their codings stay, as the study's record."""
    coders_group, _ = groups(server)
    with server.transaction():
        kind = server.execute("SELECT kind FROM server_roles WHERE role = ?", (name,)).fetchone()
        if kind is None or kind[0] != "coder":
            raise BadInput("is not a coder of this study; 'qualcode server coder list' names them", where=name)
        server.execute("DELETE FROM server_roles WHERE role = ?", (name,))
        server.conn.execute(f"REVOKE {_ident(server, coders_group)} FROM {_ident(server, name)}")


def members(server: ServerDatabase) -> list[tuple[str, str]]:
    """(role, lead|coder) of the study, leads first."""
    return [tuple(r) for r in server.execute("SELECT role, kind FROM server_roles ORDER BY kind DESC, role")]


def blinded(server: ServerDatabase) -> bool:
    row = server.execute("SELECT blinded FROM server_state LIMIT 1").fetchone()
    return bool(row[0]) if row else False


def unblind(server: ServerDatabase) -> None:
    with server.transaction():
        server.execute("UPDATE server_state SET blinded = false")


def drop_study(server: ServerDatabase) -> None:
    """Take a half-made study off the server again: its tables and functions (the database and roles stay)."""
    if server.conn.closed or server.conn.broken:
        return
    if server.conn.info.transaction_status:
        server.conn.execute("ROLLBACK")
    server.conn.execute("DROP SCHEMA public CASCADE")
    server.conn.execute("CREATE SCHEMA public")
