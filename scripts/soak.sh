#!/usr/bin/env bash
# Memory of a long-running `fiskaldesk serve` under steady signing.
#
#   scripts/soak.sh RATE DURATION [OUTDIR]      e.g. scripts/soak.sh 1000 30m /tmp/soak
#
# Starts `fiskaldesk serve` (rate limits off, a bootstrap key) on $SOAK_DATA
# or a fresh data dir under OUTDIR, samples its memory every 100 ms with
# scripts/rss-sample.sh, and signs receipts through it with
# `fiskaldesk bench run --url … --rate RATE --duration DURATION` (8 TSS,
# 32 workers) from a separate process. Writes OUTDIR/serve-rss.tsv, the
# bench result OUTDIR/bench.json and the plot OUTDIR/soak.png
# (scripts/rss-plot.sh). Pick RATE as half the maximum `bench run` measured
# on the machine. FISKALDESK_BIN chooses the binary (default bin/fiskaldesk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${FISKALDESK_BIN:-$here/../bin/fiskaldesk}
rate=$1
dur=$2
out=${3:-$(mktemp -d /tmp/fiskaldesk-soak-XXXXXX)}
mkdir -p "$out"
data=${SOAK_DATA:-$out/data}
port=${SOAK_PORT:-18298}
export FISKALDESK_BOOTSTRAP_API_KEY=test_soak FISKALDESK_BOOTSTRAP_API_SECRET=soak-secret-0123456789
export FISKALDESK_RATE_LIMITS=off FISKALDESK_TEST_TSS_LIMIT=0
"$bin" serve --data "$data" --addr 127.0.0.1:$port --log-level warn >"$out/serve.log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true; wait $serve 2>/dev/null || true' EXIT
until curl -fs -o /dev/null http://127.0.0.1:$port/healthz; do
	kill -0 $serve || { cat "$out/serve.log"; exit 1; }
	sleep 0.1
done
"$here/rss-sample.sh" -o "$out/serve-rss.tsv" -p $serve 2>"$out/rss-summary.txt" &
sampler=$!
"$bin" bench run --url http://127.0.0.1:$port --api-key "$FISKALDESK_BOOTSTRAP_API_KEY" \
	--api-secret "$FISKALDESK_BOOTSTRAP_API_SECRET" --tss 8 --workers 32 --rate "$rate" --duration "$dur" --json \
	>"$out/bench.json"
kill $serve
wait $serve || true
wait $sampler || true
cat "$out/rss-summary.txt"
cat "$out/bench.json"
"$here/rss-plot.sh" "$out/serve-rss.tsv" "$out/soak.png" "fiskaldesk serve under $rate signed operations/s for $dur"
