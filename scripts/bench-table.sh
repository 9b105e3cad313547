#!/usr/bin/env bash
# The signing table of docs/BENCHMARKS.md: 1, 2, 4, 8 TSS × 8, 32, 64
# workers (POS clients, one keep-alive connection each), first with the
# server and the load generator as separate processes (the published
# figure, scripts/bench-server.sh), then with `bench run` starting the
# server in its own process. Each point is a fresh instance; the load
# average is printed with every row, because numbers taken on a busy
# machine say little.
# Usage: scripts/bench-table.sh [seconds per point, default 10]
set -euo pipefail
bin=${FISKALDESK_BIN:-./bin/fiskaldesk}
secs=${1:-10}
export FISKALDESK_BIN=$bin

field() { sed -n "s/.*\"$1\": \\([0-9.]*\\).*/\\1/p" <<<"$2"; }

echo "| mode | TSS | workers | signed ops/s | p50 ms | p99 ms | max ms | server CPU µs/op | load-generator CPU µs/op | ops per group commit | raw P-256 signs/s | load avg (1 min) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for mode in separate in-process; do
	for n in 1 2 4 8; do
		for w in 8 32 64; do
			load=$(cut -d' ' -f1 /proc/loadavg)
			if [[ $mode == separate ]]; then
				out=$(scripts/bench-server.sh --tss "$n" --workers "$w" --duration "${secs}s" --json 2>/tmp/bench-table.$$)
				srv=$(field server_cpu_us_per_op "$out")
				cli=$(field process_cpu_us_per_op "$out")
				g=$(sed -n 's/.*"groups":\([0-9]*\),"grouped_requests":\([0-9]*\).*/\2 \1/p' /tmp/bench-table.$$ | awk '{ if ($2 > 0) printf "%.1f", $1/$2 }')
			else
				out=$("$bin" bench run --tss "$n" --workers "$w" --duration "${secs}s" --json)
				srv="$(field process_cpu_us_per_op "$out") (both)"
				cli="–"
				g="–"
			fi
			printf '| %s | %d | %d | %.0f | %s | %s | %s | %s | %s | %s | %.0f | %s |\n' "$mode" "$n" "$w" \
				"$(field signed_ops_per_s "$out")" "$(field p50_ms "$out")" "$(field p99_ms "$out")" "$(field max_ms "$out")" \
				"$srv" "$cli" "$g" "$(field raw_ecdsa_p256_signs_per_s "$out")" "$load"
		done
	done
done
rm -f /tmp/bench-table.$$
