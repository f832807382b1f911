#!/usr/bin/env bash
# kaudit's benchmark: generates a realistic audit log (seeded, attack events mixed in), then
# reports wall time, MiB/s, events/s, alerts and peak RSS for `kaudit scan` against the baseline,
# a one-thread Jackson pass over every token of the same file (median of RUNS runs each), the same
# scan writing the HTML report (-f html, alternating with the jsonl runs) and the page's size,
# events/s for `kaudit serve` fed EventList batches of 250 by a loopback client, and the REPL's
# load time, query times and peak RSS.
#
#   src/bench/run.sh [SIZE_MIB] [RULES...]
#
# SIZE_MIB defaults to 1024. RULES default to Falco's upstream k8s_audit_rules.yaml from ../shared
# (else the bundled rules). Set KAUDIT to a kaudit launcher (default: installs one under
# target/bench-install), BENCH_DIR for where logs go (default: target/bench), RUNS (default 3).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
size="${1:-1024}"; shift || true
dir="${BENCH_DIR:-$here/target/bench}"
runs="${RUNS:-3}"
mkdir -p "$dir"

rules=("$@")
if ((${#rules[@]} == 0)) && [[ -f "$here/../shared/conformance/falco/rules/k8s_audit_rules.yaml" ]]; then
  rules=("$here/../shared/conformance/falco/rules/k8s_audit_rules.yaml")
fi
rule_args=()
for r in "${rules[@]}"; do rule_args+=(-r "$r"); done

kaudit="${KAUDIT:-}"
if [[ -z "$kaudit" ]]; then
  "$here/install.sh" --prefix "$here/target/bench-install" >/dev/null
  kaudit="$here/target/bench-install/bin/kaudit"
fi
jar="$(dirname "$kaudit")/../share/kaudit/kaudit.jar"
[[ -f "$jar" ]] || jar="$here/target/kaudit.jar"

log="$dir/audit-${size}MiB.log"
if [[ ! -f "$log" ]]; then
  echo "generating $log ..." >&2
  java -cp "$jar" io.kaudit.bench.LogGenerator "$log" "$size" 42 2000 "$here/samples"
fi
bytes=$(stat -c %s "$log")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # prints "wall_seconds peak_rss_kb" for a command
  /usr/bin/time -o "$dir/time.txt" -f "%e %M" "$@" >/dev/null 2>&1
  tail -1 "$dir/time.txt"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "input:   $log ($(awk -v b="$bytes" 'BEGIN {printf "%.0f MiB", b/1048576}'))"
echo "rules:   ${rules[*]:-bundled}"

token=(); scan=(); rss=(); html=()
for ((i = 1; i <= runs; i++)); do
  read -r t _ < <(measure java -cp "$jar" io.kaudit.bench.TokenScan "$log")
  token+=("$t")
  read -r t m < <(measure "$kaudit" scan -q "${rule_args[@]}" -f jsonl -o "$dir/alerts.jsonl" "$log")
  scan+=("$t"); rss+=("$m")
  read -r t _ < <(measure "$kaudit" scan -q "${rule_args[@]}" -f html -o "$dir/report.html" "$log")
  html+=("$t")
done
t_token=$(printf '%s\n' "${token[@]}" | median)
t_scan=$(printf '%s\n' "${scan[@]}" | median)
m_scan=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
events=$("$kaudit" scan "${rule_args[@]}" -f jsonl -o /dev/null "$log" 2>&1 | grep -o '[0-9,]* events' | tr -dc 0-9)
alerts=$(wc -l < "$dir/alerts.jsonl")

awk -v b="$bytes" -v tt="$t_token" -v ts="$t_scan" -v m="$m_scan" -v e="$events" -v a="$alerts" -v tl="${token[*]}" -v sl="${scan[*]}" 'BEGIN {
  printf "jackson token scan (1 thread): %6.2f s  %7.1f MiB/s            runs: %s\n", tt, b/1048576/tt, tl
  printf "kaudit scan -f jsonl -o FILE:  %6.2f s  %7.1f MiB/s  %9.0f events/s  %d alerts  peak RSS %.0f MiB   runs: %s\n", ts, b/1048576/ts, e/ts, a, m/1024, sl
  printf "speed-up over the token scan:  %.2fx\n", tt/ts
}'
t_html=$(printf '%s\n' "${html[@]}" | median)
awk -v b="$bytes" -v th="$t_html" -v ts="$t_scan" -v p="$(stat -c %s "$dir/report.html")" -v hl="${html[*]}" 'BEGIN {
  printf "kaudit scan -f html -o FILE:   %6.2f s  %7.1f MiB/s  %+.0f%% against -f jsonl  page %.0f KiB   runs: %s\n", th, b/1048576/th, 100*(th/ts-1), p/1024, hl
}'

# serve: EventList batches of 250 over 4 loopback connections (one warm-up pass, then measured)
"$kaudit" serve "${rule_args[@]}" --listen 127.0.0.1:0 -f jsonl -o "$dir/serve-alerts.jsonl" 2> "$dir/serve.log" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[^ ]*' "$dir/serve.log" | head -1 || true)
  [[ -n "$url" ]] && break
  sleep 0.1
done
java -cp "$jar" io.kaudit.bench.PostBatches "$log" "$url" 250 4 200000 >/dev/null
java -cp "$jar" io.kaudit.bench.PostBatches "$log" "$url" 250 4 200000
serve_rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$serve_pid/status" 2>/dev/null || echo "?")
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
echo "serve peak RSS ${serve_rss} MiB"

# repl: load the log, then a few queries from a script (each prints its own time)
queries='count ka.verb=create and ka.target.resource=configmaps
top ka.user.name where ka.target.resource=secrets
timeline 1h where ka.response.code startswith 4
count ka.uri.param[command] exists'
/usr/bin/time -o "$dir/time.txt" -f "%e %M" "$kaudit" repl "${rule_args[@]}" "$log" <<< "$queries" > "$dir/repl.out" 2> "$dir/repl.err"
read -r repl_wall repl_rss < "$dir/time.txt"
echo "repl: $(grep -o 'loaded .*' "$dir/repl.err" | head -1); queries (ms): $(grep -o '^([0-9]* ms)' "$dir/repl.out" | tr -d '()ms' | tr '\n' ' ')(the last reads the files again); total ${repl_wall} s, peak RSS $((repl_rss / 1024)) MiB"
