#!/bin/bash
# Writes the per-run API credentials where Airflow's auth manager reads them, then runs the command.
#   Airflow 3 (SimpleAuthManager): AIRFLOW_LAB_USER / AIRFLOW_LAB_PASSWORD become the passwords file.
#   Airflow 2 (FAB): the user is created by the init step (`airflow users create`), nothing to do here.
set -euo pipefail
if [[ -n "${AIRFLOW_LAB_USER:-}" && -n "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-}" ]]; then
  umask 077
  printf '{"%s": "%s"}\n' "$AIRFLOW_LAB_USER" "$AIRFLOW_LAB_PASSWORD" \
    > "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
fi
exec "$@"
