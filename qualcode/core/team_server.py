"""Setting up a team on a PostgreSQL server: a new study, a file moved onto it and back, its coders.

These are the lead's and the research IT's steps (``qualcode server …``). Once a
study is there, every other command takes its URL where it takes a project file.
The URL's user must own the database (or be allowed to make it) and may make roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.core.errors import BadInput
from qualcode.core.files import atomic_file, guard_output
from qualcode.core.project import Project
from qualcode.core.store import Store, team, transfer
from qualcode.core.store.postgres import ServerDatabase, ServerURL, parse_server_url


@dataclass(frozen=True)
class TeamStatus:
    """Who works on a server study, whether it is still blinded, and how much each coder has coded."""

    url: str
    study: str
    schema: int
    blinded: bool
    members: list[tuple[str, str]]
    codings: dict[str, int]


def _checked_name(name: str, what: str) -> str:
    cleaned = name.strip()
    if not cleaned or not cleaned.isprintable() or len(cleaned) > 63:
        raise BadInput(f"a {what}'s name must be printable text of at most 63 characters, e.g. alice", where=name)
    return cleaned


def init(
    url: str, *, study: str, lead: str, lang: str = "en", codebook: str | Path | None = None, unit: str = "turn"
) -> Project:
    """A new study on the server: the schema, its settings and codebook, the lead's role and the blinding."""
    target = parse_server_url(url)
    lead = _checked_name(lead, "lead")
    _make_database_if_missing(target)
    project = Project.create(target, lang=lang, codebook=codebook, unit=unit, server=True)
    try:
        store = project.store
        with store.transaction():
            store.settings.set("study_name", study.strip())
            if not codebook:
                store.settings.set("codebook_name", study.strip())
            team.install(store.database, lead)  # type: ignore[arg-type]
    except BaseException:
        _drop_study(project.store.database)  # type: ignore[arg-type]
        project.close()
        raise
    return project


def _make_database_if_missing(target: ServerURL) -> None:
    """Create the URL's database when the server has none of that name and the user may create one."""
    try:
        ServerDatabase(target, create=True).close()
        return
    except BadInput as e:
        if "no such database" not in str(e):
            raise
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(target)
    admin = make_conninfo(**{**info, "dbname": "postgres"})
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.dbname)))
    except psycopg.Error as e:
        raise BadInput(
            f"no such database on the server, and it could not be made ({str(e).strip().splitlines()[0]}); "
            "ask the server's admin to create it",
            where=target,
        ) from None


def _drop_study(server: ServerDatabase) -> None:
    """Take a half-made study off the server again (its tables only; the database stays)."""
    team.drop_study(server)


def push(source: str | Path, url: str, *, lead: str | None = None, replace: bool = False) -> dict[str, int]:
    """Move a project file onto the server with everything in it; rows copied per table.

    An empty database gets a new study (``lead`` is needed then); the same
    study already there is replaced only with ``replace``; another study is
    never overwritten. All of it is one transaction: refused or failed,
    the server holds what it held.
    """
    target = parse_server_url(url)
    with Store(source) as file:
        study_id = file.study_id
        _make_database_if_missing(target)
        server = ServerDatabase(target, create=True)
        try:
            existing = server.execute("SELECT to_regclass('qualcode_schema') IS NOT NULL").fetchone()[0]
            if existing:
                with Store(target) as there:
                    other_id, other_name = there.study_id, str(there.settings.get("study_name", "") or target.dbname)
                if other_id != study_id:
                    raise BadInput(
                        f"holds another study ({other_name}); push into an empty database, or pull that one "
                        "first and remove it",
                        where=target,
                    )
                if not replace:
                    raise BadInput(
                        "holds this study already; push with --replace to replace it with the file's state, "
                        "or pull it to see what is there",
                        where=target,
                    )
                if lead is None and team.has_team(server):
                    leads = [r for r, kind in team.members(server) if kind == "lead"]
                    lead = leads[0] if leads else None
            if lead is None:
                raise BadInput("a new study on the server needs its lead; add --lead NAME", where=target)
            lead = _checked_name(lead, "lead")
            with server.transaction():
                if existing:
                    transfer.clear_server(server)
                else:
                    server.create_schema({})
                counts = transfer.file_to_server(file.database, server)  # type: ignore[arg-type]
                team.install(server, lead)
            return counts
        finally:
            server.close()


def pull(url: str, output: str | Path) -> dict[str, int]:
    """A project file of the server study as of one moment (what the URL's role may read); rows per table."""
    target = parse_server_url(url)
    out = guard_output(output)
    if out.exists():
        raise BadInput("already exists; choose another name or delete it first", where=str(output))
    with Store(target) as store:
        with atomic_file(out) as temporary:
            temporary.unlink(missing_ok=True)
            return transfer.snapshot(store.database, temporary)  # type: ignore[arg-type]


def add_coder(url: str, name: str) -> bool:
    """Let ``name`` code the study (a PostgreSQL role of that name, made when new); False when it could already."""
    with Store(parse_server_url(url)) as store:
        return not team.add_coder(_team(store), _checked_name(name, "coder"))


def remove_coder(url: str, name: str) -> None:
    with Store(parse_server_url(url)) as store:
        team.remove_coder(_team(store), name.strip())


def unblind(url: str) -> None:
    """End blinding for the study: coders may read each other's work from now on (they still write their own)."""
    with Store(parse_server_url(url)) as store:
        team.unblind(_team(store))
        store.audit.log(store.path.user or "lead", "server.unblind", store.path.dbname)


def status(url: str) -> TeamStatus:
    target = parse_server_url(url)
    with Store(target) as store:
        server = _team(store)
        per_coder = {name: store.codings.count(name) for name in store.codings.coders()}
        return TeamStatus(
            url=target,
            study=str(store.settings.get("study_name", "") or target.dbname),
            schema=store.schema_version(),
            blinded=team.blinded(server),
            members=team.members(server),
            codings=per_coder,
        )


def _team(store: Store) -> ServerDatabase:
    server = store.database
    if not isinstance(server, ServerDatabase) or not team.has_team(server):
        raise BadInput(
            "has no team yet (it was not set up by 'qualcode server init' or 'server push')", where=store.path
        )
    return server
