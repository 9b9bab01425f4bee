# The only paths Airflow's token may touch: read connections and variables (KV v2 at secret/).
# Writes, other paths, the config path and listing are denied; rotate secrets with another token.
path "secret/data/connections/*" {
  capabilities = ["read"]
}

path "secret/data/variables/*" {
  capabilities = ["read"]
}
