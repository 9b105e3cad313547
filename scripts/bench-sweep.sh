#!/usr/bin/env bash
# How signed throughput and latency grow with TSS count and with
# concurrency on one TSS. Each line is one `fiskaldesk bench run` on a fresh
# temporary instance (rate limits off). Output: a markdown table.
# Usage: scripts/bench-sweep.sh [seconds per point, default 8]
set -euo pipefail
bin=${FISKALDESK_BIN:-./bin/fiskaldesk}
secs=${1:-8}

row() { # label, bench run args...
	local label=$1
	shift
	local out
	out=$("$bin" bench run --duration "${secs}s" --json "$@")
	# Field order of benchResult; no jq needed.
	local ops p50 p99 errs
	ops=$(sed -n 's/.*"signed_ops_per_s": \([0-9.]*\).*/\1/p' <<<"$out")
	p50=$(sed -n 's/.*"p50_ms": \([0-9.]*\).*/\1/p' <<<"$out")
	p99=$(sed -n 's/.*"p99_ms": \([0-9.]*\).*/\1/p' <<<"$out")
	errs=$(sed -n 's/.*"errors": \([0-9]*\).*/\1/p' <<<"$out")
	printf '| %s | %.0f | %s | %s | %s |\n' "$label" "$ops" "$p50" "$p99" "$errs"
}

echo "| point | signed ops/s | p50 ms | p99 ms | errors |"
echo "|---|---:|---:|---:|---:|"
for n in 1 2 4 8 16 32 64; do
	row "$n TSS × 4 workers" --tss "$n" --workers $((4 * n))
done
for w in 1 2 4 8 16 32; do
	row "1 TSS × $w workers" --tss 1 --workers "$w"
done
