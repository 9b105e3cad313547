#!/usr/bin/env bash
# pg-test-cluster.sh CMD [ARGS…]: start a throwaway PostgreSQL cluster in a
# temp dir on a free loopback port, run CMD with FISKALDESK_TEST_POSTGRES set
# to its URL, then stop the cluster and remove it (also on failure or ^C).
# No running PostgreSQL service is assumed or touched. As root the cluster
# runs as the `postgres` user (initdb refuses root). Without CMD it prints
# the URL and waits until interrupted.
#
# The cluster runs with fsync off: it holds test data only, and the tests
# check behaviour, not durability. PG_DURABLE=1 keeps PostgreSQL's durable
# defaults (fsync, synchronous_commit): for benchmarks against Badger,
# whose commits always wait for fsync.
set -euo pipefail

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
	[ -x "$d/initdb" ] && { bindir=$d; break; }
done
if [ -z "$bindir" ]; then
	command -v initdb >/dev/null || { echo "pg-test-cluster: PostgreSQL not installed (apt-get install postgresql; scripts/setup-system.sh does)" >&2; exit 1; }
	bindir=$(dirname "$(command -v initdb)")
fi

as=()
if [ "$(id -u)" = 0 ]; then
	as=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/fiskaldesk-pg.XXXXXX)
chmod 700 "$dir"
[ ${#as[@]} -gt 0 ] && chown postgres: "$dir"
cleanup() {
	"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }

settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${PG_DURABLE:-}" = 1 ] && settings="-c shared_buffers=256MB"
port=""
for _ in $(seq 1 20); do
	p=$((20000 + RANDOM % 20000))
	if "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-p $p -k $dir -c listen_addresses=127.0.0.1 $settings -c max_connections=400" \
		start >/dev/null 2>&1; then
		port=$p
		break
	fi
done
if [ -z "$port" ]; then
	echo "pg-test-cluster: could not start PostgreSQL on a free port" >&2
	cat "$dir/server.log" >&2 || true
	exit 1
fi

export FISKALDESK_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "pg-test-cluster: $FISKALDESK_TEST_POSTGRES" >&2
if [ $# -eq 0 ]; then
	echo "FISKALDESK_TEST_POSTGRES=$FISKALDESK_TEST_POSTGRES"
	sleep infinity
fi
"$@"
