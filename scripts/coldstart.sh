#!/usr/bin/env bash
# Cold start: milliseconds from exec of `fiskaldesk serve` on DATA to the
# first 200 of /healthz, then the first authenticated list page. Runs N
# times (default 3), stopping the server in between.
# Usage: scripts/coldstart.sh DATA [N]
set -euo pipefail
bin=${FISKALDESK_BIN:-./bin/fiskaldesk}
data=$1
n=${2:-3}
port=18297
for i in $(seq "$n"); do
	t0=$(date +%s%N)
	"$bin" serve --data "$data" --addr 127.0.0.1:$port --log-level warn >/dev/null 2>&1 &
	pid=$!
	until curl -fs -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.005; done
	t1=$(date +%s%N)
	echo "run $i: healthz after $(((t1 - t0) / 1000000)) ms"
	kill "$pid"
	wait "$pid" || true
done
