#!/bin/bash
# Configure the user from the environment and log to the console (docker logs), then start the broker.
set -euo pipefail
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
# the broker is reached from other containers, never from outside the environment's network
loopback_users = none
log.console = true
log.file = false
CONF
exec "$@"
