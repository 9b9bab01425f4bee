// Etsy statsd: receive StatsD on UDP 8125, flush every second to carbon on this host (graphite backend).
{
  port: 8125,
  mgmt_port: 8126,
  flushInterval: 1000,
  backends: ["./backends/graphite"],
  graphiteHost: "127.0.0.1",
  graphitePort: 2003,
  // stats.counters.<name>.count, stats.gauges.<name>, stats.timers.<name>.<stat>: the documented layout
  graphite: { legacyNamespace: false },
  // a counter idle in a flush is written as 0 (not skipped): its series has a point every second
  deleteCounters: false,
  deleteGauges: false
}
