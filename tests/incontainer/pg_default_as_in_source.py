"""Run inside an Airflow image with AIRFLOW_CONN_PG_DEFAULT set: the source material's snippet, and what it did.

Prints one line, ``VERDICT {json}``: the conn_type Airflow derived from the URI, whether a hook can be found by
that type, the psycopg driver the Postgres provider used, and whether ``with hook.get_conn() as conn:``
committed, rolled back on an error, and closed the connection.
"""

import importlib.metadata
import json
import os

from airflow.models.connection import Connection
from airflow.providers.postgres.hooks.postgres import PostgresHook

out = {"airflow": importlib.metadata.version("apache-airflow")}
out["conn_type"] = Connection(conn_id="pg_default", uri=os.environ["AIRFLOW_CONN_PG_DEFAULT"]).conn_type
try:
    Connection.get_connection_from_secrets("pg_default").get_hook()
    out["get_hook"] = "found"
except Exception as error:  # what SQLExecuteQueryOperator(conn_id="pg_default") would meet
    out["get_hook"] = f"{type(error).__name__}: {error}"

# the source's snippet, as written
hook = PostgresHook(postgres_conn_id="pg_default")
with hook.get_conn() as conn:
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
out["driver"] = type(conn).__module__.split(".")[0]
out["closed_after_with"] = bool(conn.closed)

conn = hook.get_conn()
try:
    with conn:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("a failing task")
except RuntimeError:
    pass
out["closed_after_failed_with"] = bool(conn.closed)
conn.close()

other = hook.get_conn()  # a new connection sees only what was committed
with other.cursor() as cur:
    cur.execute("SELECT array_agg(x ORDER BY x) FROM t")
    out["committed_rows"] = cur.fetchone()[0]
other.close()
print("VERDICT " + json.dumps(out))
