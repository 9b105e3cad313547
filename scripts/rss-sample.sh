#!/usr/bin/env bash
# Samples the memory of a process and all its descendants every 100 ms
# from /proc/<pid>/status (RssAnon: heap, stacks, Go's and Badger's own
# memory; RssFile: pages of mapped files such as Badger's tables, which the
# kernel can drop; VmHWM: the kernel's peak of both together) and prints
# each process's peaks and the wall time when it ends.
#
#   scripts/rss-sample.sh [-o OUT.tsv] [-i SECONDS] -- CMD [ARGS...]
#       runs CMD and samples it and its children until it exits; exits
#       with CMD's status.
#   scripts/rss-sample.sh [-o OUT.tsv] [-i SECONDS] -p PID [-p PID...]
#       samples running processes (e.g. a `fiskaldesk serve`) until they
#       exit or the sampler gets SIGINT/SIGTERM.
#
# OUT.tsv (default: none) gets one line per process and sample:
#   seconds-since-start  pid  name  rss_anon_kib  rss_file_kib
# which scripts/rss-plot.sh turns into a picture. The summary goes to
# stderr, one line per process of at least 1 MiB anonymous:
#   rss-sample: pid 4242 fiskaldesk: peak RssAnon 171.3 MiB, peak RssFile 240.0 MiB, VmHWM 402.1 MiB, 61 s sampled
set -uo pipefail

out=/dev/null
interval=0.1
pids=()
while (($#)); do
	case $1 in
	-o) out=$2; shift 2 ;;
	-i) interval=$2; shift 2 ;;
	-p) pids+=("$2"); shift 2 ;;
	--) shift; break ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
if ((${#pids[@]} == 0 && $# == 0)); then
	echo "usage: $0 [-o OUT.tsv] [-i SECONDS] -- CMD [ARGS...] | -p PID..." >&2
	exit 2
fi

cmdpid=
if (($#)); then
	"$@" &
	cmdpid=$!
	pids=("$cmdpid")
fi

declare -A peakAnon peakFile hwm name first last
start=$EPOCHREALTIME
stop=0
trap 'stop=1' INT TERM
: >"$out"

# collect PID: PID and every descendant into procs, from the kernel's
# children lists (no command substitution: a fork failing under load must
# not look like the end of the process).
collect() {
	local p=$1 t c kids
	procs+=("$p")
	for t in /proc/"$p"/task/*/children; do
		kids=()
		read -r -a kids 2>/dev/null <"$t" || true
		for c in "${kids[@]}"; do collect "$c"; done
	done
}

# running: whether a root process is still there and not a zombie.
running() {
	local root st
	for root in "${pids[@]}"; do
		st=
		read -r _ _ st _ 2>/dev/null <"/proc/$root/stat" || true
		[[ -n $st && $st != Z ]] && return 0
	done
	return 1
}

sample() {
	local p k v anon file h comm cs secs
	cs=$(((${EPOCHREALTIME/./} - ${start/./}) / 10000)) # centiseconds
	printf -v secs '%d.%02d' $((cs / 100)) $((cs % 100))
	procs=()
	for root in "${pids[@]}"; do collect "$root"; done
	for p in "${procs[@]}"; do
		anon= file= h= comm=
		while IFS=: read -r k v; do
			case $k in
			Name) comm=${v//[[:space:]]/} ;;
			RssAnon) anon=${v//[^0-9]/} ;;
			RssFile) file=${v//[^0-9]/} ;;
			VmHWM) h=${v//[^0-9]/} ;;
			esac
		done 2>/dev/null <"/proc/$p/status"
		[[ -n $anon ]] || continue # gone, a zombie or a kernel thread
		name[$p]=$comm
		[[ -n ${first[$p]:-} ]] || first[$p]=$secs
		last[$p]=$secs
		((anon > ${peakAnon[$p]:-0})) && peakAnon[$p]=$anon
		((file > ${peakFile[$p]:-0})) && peakFile[$p]=$file
		((h > ${hwm[$p]:-0})) && hwm[$p]=$h
		printf '%s\t%s\t%s\t%s\t%s\n' "$secs" "$p" "$comm" "$anon" "$file" >>"$out"
	done
}

while ((!stop)) && running; do
	sample
	sleep "$interval"
done
end=$EPOCHREALTIME

status=0
if [[ -n $cmdpid ]]; then
	wait "$cmdpid"
	status=$?
fi
for p in $(printf '%s\n' "${!name[@]}" | sort -n); do
	((${peakAnon[$p]} >= 1024)) || continue # helpers of a few KiB (shells, sleep)
	awk -v p="$p" -v n="${name[$p]}" -v a="${peakAnon[$p]}" -v f="${peakFile[$p]}" -v h="${hwm[$p]}" \
		-v s="${first[$p]}" -v e="${last[$p]}" \
		'BEGIN{printf "rss-sample: pid %s %s: peak RssAnon %.1f MiB, peak RssFile %.1f MiB, VmHWM %.1f MiB, %.1f s sampled\n", p, n, a/1024, f/1024, h/1024, e-s}' >&2
done
awk -v a="$end" -v b="$start" -v s="$status" 'BEGIN{printf "rss-sample: wall %.2f s, exit status %d\n", a-b, s}' >&2
exit "$status"
