#!/usr/bin/env bash
# The published signing figure: `fiskaldesk serve` and the load generator
# (`fiskaldesk bench run --url`) as separate processes on this machine.
# Starts a server on a fresh temporary data dir (rate limits off, default
# log level, TEST TSS limit lifted), runs one bench run against it with the
# arguments given, reports the server's CPU time per signed operation
# (from /proc/<pid>/stat over the load phase) and stops the server.
#
# Usage: scripts/bench-server.sh [bench run flags, e.g. --tss 8 --workers 64 --duration 10s]
# Env:   FISKALDESK_BIN (default ./bin/fiskaldesk); CLIENT_BIN runs the load generator
#        (default the same binary: to compare servers of two builds under one client)
#        SERVER_PROFILE=FILE  CPU profile of the whole server run (go tool pprof -top BIN FILE)
#        SERVER_TASKSET=CPUS, CLIENT_TASKSET=CPUS  pin the two processes (taskset -c), optional
#        STORE=postgres  the server keeps its store in PostgreSQL: FISKALDESK_STORE if set, else a
#                        throwaway durable cluster (scripts/pg-test-cluster.sh, PG_DURABLE=1)
#        STORE=both      the same run twice, Badger then PostgreSQL, one after the other
set -euo pipefail
case ${STORE:-badger} in
both)
	echo "== store: badger" >&2
	STORE=badger "$0" "$@"
	echo "== store: postgres" >&2
	STORE=postgres exec "$0" "$@" ;;
postgres)
	if [[ -z ${FISKALDESK_STORE:-} ]]; then
		[[ -z ${FISKALDESK_TEST_POSTGRES:-} ]] && PG_DURABLE=1 exec "$(dirname "$0")/pg-test-cluster.sh" "$0" "$@"
		export FISKALDESK_STORE=$FISKALDESK_TEST_POSTGRES
	fi ;;
badger) unset FISKALDESK_STORE ;;
*) echo "bench-server: STORE is badger, postgres or both" >&2; exit 2 ;;
esac
bin=${FISKALDESK_BIN:-./bin/fiskaldesk}
client=${CLIENT_BIN:-$bin}
data=$(mktemp -d /tmp/fiskaldesk-benchsrv-XXXXXX)
port=$((20000 + RANDOM % 20000))
key=test_benchserver secret=bench-secret-0123456789
prof=()
[[ -n ${SERVER_PROFILE:-} ]] && prof=(--cpuprofile "$SERVER_PROFILE")
pin_s=() pin_c=()
[[ -n ${SERVER_TASKSET:-} ]] && pin_s=(taskset -c "$SERVER_TASKSET")
[[ -n ${CLIENT_TASKSET:-} ]] && pin_c=(taskset -c "$CLIENT_TASKSET")

FISKALDESK_BOOTSTRAP_API_KEY=$key FISKALDESK_BOOTSTRAP_API_SECRET=$secret \
FISKALDESK_RATE_LIMITS=off FISKALDESK_TEST_TSS_LIMIT=0 \
	"${pin_s[@]}" "$bin" serve --data "$data" --addr "127.0.0.1:$port" "${prof[@]}" >"$data.out" 2>&1 &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$data" "$data.out"
}
trap cleanup EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"${pin_c[@]}" "$client" bench run --url "http://127.0.0.1:$port" --api-key "$key" --api-secret "$secret" --server-pid "$pid" "$@"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# How the TSS committers grouped their commits (whole run, set-up included).
token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' "$data/run.json")
echo "group commit: $(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/local/stats")" >&2
