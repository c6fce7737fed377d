"""Row-level security in PostgreSQL: a connection reads only the records at or below its clearance.

The app cuts every view to the viewer's clearance (``geo.access.visible``); with the database source the
database enforces the same cut itself, so a bug in the app cannot leak a row it never received.

- A transaction states the clearance it reads at: ``SELECT set_config('bb.clearance', <code>, true)``
  (``geo.db.snapshot`` and ``geo.db.load`` do). A transaction that states none reads at the lowest one.
- What a connection may state is capped by its database role: membership (direct or inherited) in the
  ``NOLOGIN`` roles ``bb_public``, ``bb_limited``, ``bb_restricted`` (``ROLES``) caps it at that code; the owner
  of schema ``bb`` (who runs ``init`` and ``load``) at the top one; any other role at the lowest one. Asking for
  more than the cap reads at the cap. Each of these roles may read the schema (``GRANT SELECT``), so a
  deployment gives a reading login one of them: ``GRANT bb_limited TO dashboard_limited``.
- Every instrument table has the policy ``cleared``: a row is visible, and may be written, only if the rank of its
  ``sensitivity`` (``geo.schema.SENSITIVITIES``; an empty or unknown code counts as the top one, as in the app)
  is at most the transaction's clearance. The rows about one record (activations, status changes) follow the
  record: visible only if the record they name is.
- ``FORCE ROW LEVEL SECURITY``: the policies bind the tables' owner too. Superusers (and roles with
  ``BYPASSRLS``) skip every policy, as PostgreSQL defines it: never run the dashboard as one.
"""

from __future__ import annotations

from psycopg import sql

from geo.schema import INSTRUMENTS, SENSITIVITIES

SCHEMA = "bb"
SETTING = "bb.clearance"
TOP = SENSITIVITIES[-1]
ROLES: dict[str, str] = {code: f"bb_{code}" for code in SENSITIVITIES}  # sensitivity code -> capping role
INSTRUMENT_TABLES: tuple[str, ...] = tuple(i.file.removesuffix(".csv") for i in INSTRUMENTS)
RECORD_ROW_TABLES: tuple[str, ...] = ("activations", "status_changes")  # rows about one record (record_id)


def _rank_case(expr: str, unknown: int) -> str:
    """SQL: the rank of the sensitivity code ``expr`` (``unknown`` for NULL or any other text)."""
    whens = " ".join(f"WHEN {_lit(code)} THEN {k}" for k, code in enumerate(SENSITIVITIES))
    return f"CASE {expr} {whens} ELSE {unknown} END"


def _lit(text: str) -> str:
    """A SQL string literal (or name) of a code from ``geo.schema`` (lower-case letters and ``_`` only: checked)."""
    if not text.replace("_", "").isalpha() or not text.islower():
        raise ValueError(f"not a plain code: {text!r}")
    return f"'{text}'"


def _roles_ddl() -> list[str]:
    """Create the capping roles once per cluster (roles are cluster-wide); a user without CREATEROLE gets a notice
    and the policies then cap every connection but the owner's at the lowest clearance."""
    blocks = []
    for role in ROLES.values():
        blocks.append(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_lit(role)}) THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; "
            "EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN "
            f"RAISE NOTICE 'role {role} not created (%): the clearance cap falls back to the lowest', SQLERRM; "
            "END $$"
        )
    return blocks


def _functions_ddl() -> str:
    caps = " ".join(
        f"WHEN EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = '{ROLES[code]}' AND pg_has_role(current_user, r.oid, 'MEMBER')) "
        f"THEN {k}"
        for k, code in reversed(list(enumerate(SENSITIVITIES)))
    )
    top = len(SENSITIVITIES) - 1
    return f"""
CREATE OR REPLACE FUNCTION bb.marking_rank(code text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_rank_case('code', top)} $$;

-- The clearance a transaction reads at: the one it asked for (bb.clearance; none: the lowest), capped by its role.
CREATE OR REPLACE FUNCTION bb.clearance_rank() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT least(
        {_rank_case(f"current_setting('{SETTING}', true)", 0)},  -- asked (none, or not a code: the lowest)
        CASE WHEN pg_has_role(current_user, (SELECT nspowner FROM pg_namespace WHERE nspname = '{SCHEMA}'), 'MEMBER')
             THEN {top} {caps} ELSE 0 END)
$$;
"""


def security_ddl() -> list[sql.Composable | str]:
    """Every statement that sets up row-level security (idempotent; run by ``init`` after the tables exist)."""
    out: list[sql.Composable | str] = [*_roles_ddl(), _functions_ddl()]
    for role in ROLES.values():  # a reading role may read the schema (rows: as the policies allow)
        out.append(
            "DO $$ BEGIN "
            f"IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"GRANT USAGE ON SCHEMA bb TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA bb TO {role}; "
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bb TO {role}; END IF; END $$"
        )
    visible = "bb.marking_rank(sensitivity) <= (SELECT bb.clearance_rank())"  # a sub-select: reckoned once per query
    for name in INSTRUMENT_TABLES:
        out += _policy(name, visible)
    records = " UNION ALL ".join(f"SELECT id FROM {sql.Identifier(SCHEMA, n).as_string()}" for n in INSTRUMENT_TABLES)
    for name in RECORD_ROW_TABLES:  # the instrument tables' own policies apply inside: visible records only
        out += _policy(name, f"record_id IN ({records})")
    return out


def _policy(name: str, condition: str) -> list[sql.Composable | str]:
    t = sql.Identifier(SCHEMA, name)
    return [
        sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t),
        sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(t),
        sql.SQL("DROP POLICY IF EXISTS cleared ON {}").format(t),
        sql.SQL("CREATE POLICY cleared ON {} USING (" + condition + ") WITH CHECK (" + condition + ")").format(t),
    ]


def set_clearance(conn, clearance: str) -> None:
    """State the clearance the current transaction reads at (capped by the role; see the module docstring)."""
    conn.execute("SELECT set_config(%s, %s, true)", (SETTING, clearance if clearance in SENSITIVITIES else SENSITIVITIES[0]))
