#!/usr/bin/env bash
# Plots anonymous and file-backed RSS over time from what
# scripts/rss-sample.sh -o wrote, one line pair per process, into a PNG.
# Installs gnuplot (Debian's gnuplot-nox) when it is missing.
#
#   scripts/rss-plot.sh SAMPLES.tsv OUT.png ["title"]
set -euo pipefail
in=$1
out=$2
title=${3:-"RSS over time"}
if ! command -v gnuplot >/dev/null; then
	echo "rss-plot: installing gnuplot-nox" >&2
	sudo=
	[[ $(id -u) == 0 ]] || sudo=sudo
	$sudo apt-get install -y -qq gnuplot-nox >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq gnuplot-nox >/dev/null; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One file per process that reached 1 MiB: seconds, RssAnon MiB, RssFile MiB.
awk -F'\t' -v dir="$tmp" '$4 >= 1024 {
	f = dir "/" $2 "_" $3 ".dat"
	printf "%s %.1f %.1f\n", $1, $4/1024, $5/1024 > f
}' "$in"
plots=()
for f in "$tmp"/*.dat; do
	[[ -e $f ]] || continue
	label=$(basename "$f" .dat)
	label=${label//_/ }
	plots+=("'$f' using (\$1/60):2 with lines lw 2 title '$label anonymous'")
	plots+=("'$f' using (\$1/60):3 with lines dt 2 title '$label file-backed'")
done
((${#plots[@]})) || { echo "rss-plot: no samples of 1 MiB or more in $in" >&2; exit 1; }
{
	echo "set terminal pngcairo size 1000,500 font 'sans,10'"
	echo "set output '$out'"
	echo "set title \"$title\""
	echo "set xlabel 'minutes'"
	echo "set ylabel 'MiB'"
	echo "set yrange [0:*]"
	echo "set grid"
	echo "set key top left"
	echo "set arrow from graph 0, first 256 to graph 1, first 256 nohead lc rgb 'red' dt 3"
	echo "set label '256 MiB' at graph 0.01, first 262 tc rgb 'red'"
	(IFS=,; echo "plot ${plots[*]}")
} | gnuplot
echo "rss-plot: $out" >&2
