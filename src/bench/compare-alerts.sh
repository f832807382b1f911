#!/usr/bin/env bash
# Alerts must stay byte-identical across a speed change: scans every input with a baseline jar and
# the current build, with the bundled rules, Falco's upstream rules and those plus SigmaHQ's, and diffs
# the jsonl.
#   src/bench/compare-alerts.sh BASELINE_JAR [NEW_JAR] [EXTRA_LOGS...]
# Inputs: ../shared/conformance/falco/traces/*, every file under ../shared/corpus/real, and EXTRA_LOGS
# (e.g. the benchmark's target/bench/audit-*.log). Exit 0 when every pair is identical.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:?usage: compare-alerts.sh BASELINE_JAR [NEW_JAR] [EXTRA_LOGS...]}"
new="${2:-$here/target/kaudit.jar}"
shift $(( $# >= 2 ? 2 : 1 ))
shared="$here/../shared"
falco="$shared/conformance/falco/rules/k8s_audit_rules.yaml"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
inputs=()
[[ -d "$shared/conformance/falco/traces" ]] && inputs+=("$shared"/conformance/falco/traces/*)
[[ -d "$shared/corpus/real" ]] && while IFS= read -r f; do inputs+=("$f"); done \
  < <(find "$shared/corpus/real" -type f ! -name '*.md' | sort)
inputs+=("$@")
sigma="$shared/conformance/sigma/rules"
rulesets=("bundled:")   # name:rule files or folders, comma-separated
[[ -f "$falco" ]] && rulesets+=("falco:$falco")
[[ -f "$falco" && -d "$sigma" ]] && rulesets+=("falco+sigma:$falco,$sigma")
fail=0; pairs=0
for input in "${inputs[@]}"; do
  for rs in "${rulesets[@]}"; do
    rules="${rs#*:}"; args=()
    IFS=, read -ra files <<< "$rules"
    for f in "${files[@]}"; do args+=(-r "$f"); done
    java -jar "$base" scan -q "${args[@]}" -f jsonl -o "$tmp/a" "$input" >/dev/null 2>"$tmp/ea"; ca=$?
    java -jar "$new" scan -q "${args[@]}" -f jsonl -o "$tmp/b" "$input" >/dev/null 2>"$tmp/eb"; cb=$?
    pairs=$((pairs + 1))
    if [[ $ca != "$cb" ]] || ! cmp -s "$tmp/a" "$tmp/b"; then
      echo "DIFFERENT (${rs%%:*} rules, exit $ca vs $cb): $input"; fail=1
    fi
  done
done
echo "$pairs scans compared, $([[ $fail = 0 ]] && echo all identical || echo SOME DIFFER)"
exit $fail
