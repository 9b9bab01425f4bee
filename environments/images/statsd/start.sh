#!/bin/sh
# carbon-cache first (statsd's graphite backend connects on each flush), then statsd in the foreground.
set -e
carbon-cache --config=/etc/carbon/carbon.conf --nodaemon start &
exec node /opt/statsd/node_modules/statsd/stats.js /etc/statsd/config.js
