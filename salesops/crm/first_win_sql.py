"""The SQL that keeps `crm_opportunity.first_win`: triggers and the full rebuild.

A deal is its customer's first win when it is the customer's won deal with the earliest close
date (the lowest id on a tie): the "new customers" KPI counts those deals, and the partial
index crm_opp_first_wins finds a period's without looking at each won deal's customer.

Any write that can change a customer's first win (a deal inserted closed, deleted while the
first win, or updated in its stage, close date, customer or the flag itself, as a stale
`save()` does) sets the flags of every deal of the customers it touched again from the deals as
they now are; so does a stage whose kind changes. PostgreSQL does it once per statement from
its transition tables, locking the customers' rows first so that two transactions closing the
same customer's deals take turns; SQLite per row. The flag's own update changes nothing more
(PostgreSQL: `pg_trigger_depth()`; SQLite triggers do not recurse).

Migrations import this module (crm 0013), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

WON = "SELECT id FROM crm_stage WHERE kind = 'won'"
OPS = ("insert", "update", "delete")


def _first(customer: str) -> str:
    """The id of the first win of `customer` (an SQL expression), NULL when it has none."""
    return (
        f"(SELECT d.id FROM crm_opportunity d WHERE d.customer_id = {customer}"
        f" AND d.closed_at IS NOT NULL AND d.stage_id IN ({WON})"
        " ORDER BY d.closed_at, d.id LIMIT 1)"
    )


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_recompute(customers: str) -> str:
    """Set the flags of the deals of `customers` (a query of customer_id) from their deals."""
    return (
        f"WITH c AS (SELECT DISTINCT customer_id FROM ({customers}) x),"
        f" f AS (SELECT c.customer_id, {_first('c.customer_id')} AS first_id FROM c)"
        " UPDATE crm_opportunity o SET first_win = NOT o.first_win FROM f"
        " WHERE o.customer_id = f.customer_id"
        " AND o.first_win <> COALESCE(o.id = f.first_id, false)"
    )


def _pg_lock(customers: str) -> str:
    return f"PERFORM 1 FROM crm_customer WHERE id IN ({customers}) ORDER BY id FOR NO KEY UPDATE"


CHANGED = (
    "SELECT unnest(ARRAY[r.customer_id, a.customer_id]) AS customer_id"
    " FROM removed r JOIN added a ON a.id = r.id"
    " WHERE (r.stage_id, r.closed_at, r.customer_id, r.first_win)"
    " IS DISTINCT FROM (a.stage_id, a.closed_at, a.customer_id, a.first_win)"
)
TOUCHED = {
    "insert": ("NEW TABLE AS added", "SELECT customer_id FROM added"
               " WHERE closed_at IS NOT NULL OR first_win"),
    "update": ("OLD TABLE AS removed NEW TABLE AS added", CHANGED),
    "delete": ("OLD TABLE AS removed", "SELECT customer_id FROM removed WHERE first_win"),
}  # fmt: skip


def _pg_function(name: str, customers: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;"
        f" {_pg_lock(customers)}; {pg_recompute(customers)}; RETURN NULL; END $$"
    )


STAGE_CUSTOMERS = "SELECT customer_id FROM crm_opportunity WHERE stage_id = NEW.id"
POSTGRESQL = [
    *(_pg_function(f"crm_first_win_{op}", customers) for op, (_, customers) in TOUCHED.items()),
    *(
        f"CREATE TRIGGER crm_first_win_{op} AFTER {op.upper()} ON crm_opportunity"
        f" REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION crm_first_win_{op}()"
        for op, (refs, _) in TOUCHED.items()
    ),
    _pg_function("crm_first_win_stage", STAGE_CUSTOMERS),
    "CREATE TRIGGER crm_first_win_stage AFTER UPDATE OF kind ON crm_stage FOR EACH ROW"
    " WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION crm_first_win_stage()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER crm_first_win_stage ON crm_stage",
    *(f"DROP TRIGGER crm_first_win_{op} ON crm_opportunity" for op in OPS),
    *(f"DROP FUNCTION crm_first_win_{name}()" for name in (*OPS, "stage")),
]
PG_REBUILD = [pg_recompute("SELECT customer_id FROM crm_opportunity"), "ANALYZE crm_opportunity"]

# --- SQLite -------------------------------------------------------------------------------------


def sqlite_recompute(scope: str) -> str:
    """Set the flags of the deals in `scope` (a condition on crm_opportunity's columns) from
    their customers' deals."""
    first = _first("crm_opportunity.customer_id")
    return (
        f"UPDATE crm_opportunity SET first_win = (id IS {first})"
        f" WHERE {scope} AND first_win IS NOT (id IS {first})"
    )


def _of(row: str) -> str:
    return sqlite_recompute(f"customer_id = {row}.customer_id")


MOVED = (
    "OLD.stage_id IS NOT NEW.stage_id OR OLD.closed_at IS NOT NEW.closed_at"
    " OR OLD.customer_id IS NOT NEW.customer_id OR OLD.first_win IS NOT NEW.first_win"
)
SQLITE = [
    "CREATE TRIGGER crm_first_win_insert AFTER INSERT ON crm_opportunity"
    f" WHEN NEW.closed_at IS NOT NULL OR NEW.first_win BEGIN {_of('NEW')}; END",
    "CREATE TRIGGER crm_first_win_delete AFTER DELETE ON crm_opportunity"
    f" WHEN OLD.first_win BEGIN {_of('OLD')}; END",
    "CREATE TRIGGER crm_first_win_update AFTER UPDATE OF stage_id, closed_at, customer_id,"
    f" first_win ON crm_opportunity WHEN {MOVED} BEGIN {_of('OLD')}; {_of('NEW')}; END",
    "CREATE TRIGGER crm_first_win_stage AFTER UPDATE OF kind ON crm_stage"
    " WHEN OLD.kind IS NOT NEW.kind BEGIN"
    f" {sqlite_recompute(f'customer_id IN ({STAGE_CUSTOMERS})')}; END",
]
SQLITE_DROP = [f"DROP TRIGGER crm_first_win_{name}" for name in (*OPS, "stage")]
SQLITE_REBUILD = [sqlite_recompute("true"), "ANALYZE crm_opp_first_wins"]
