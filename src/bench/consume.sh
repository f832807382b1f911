#!/usr/bin/env bash
# The consume benchmark: starts a local KRaft broker (the tests' child JVM, from Maven's test
# class path), produces a generated log into a 6-partition topic (lz4, one record per line, as
# Fluent Bit writes), then times one `kaudit consume --exit-at-end` member reading it all. Set
# KAUDIT to a kaudit launcher (default: installs one under target/bench-install, as run.sh does).
#
#   src/bench/consume.sh [SIZE_MIB] [RULES...]      (SIZE_MIB defaults to 200; keep it small)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
size="${1:-200}"; shift || true
dir="${BENCH_DIR:-$here/target/bench}"
mkdir -p "$dir"
rule_args=()
for r in "$@"; do rule_args+=(-r "$r"); done

cd "$here"
mvn -B -q -DskipTests test-compile >/dev/null
mvn -B -q dependency:build-classpath -Dmdep.outputFile="$dir/classpath.txt" -Dmdep.includeScope=test >/dev/null
cp="$here/target/test-classes:$here/target/classes:$(cat "$dir/classpath.txt")"

log="$dir/audit-${size}MiB.log"
[[ -f "$log" ]] || java -cp "$cp" io.kaudit.bench.LogGenerator "$log" "$size" 42 2000 "$here/samples"

# the member is the installed launcher, as in production (its JVM, heap and ahead-of-time cache); installed
# before the broker starts, so the build does not run beside it
kaudit="${KAUDIT:-}"
if [[ -z "$kaudit" ]]; then
  "$here/install.sh" --prefix "$here/target/bench-install" >/dev/null
  kaudit="$here/target/bench-install/bin/kaudit"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
kdir="$dir/kafka-$port"; mkdir -p "$kdir"
cat > "$kdir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$kdir/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
java -Xmx512m -cp "$cp" io.kaudit.live.KafkaBrokerMain "$kdir/server.properties" \
  "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" > "$kdir/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true; wait $broker 2>/dev/null || true; rm -rf "$kdir"' EXIT
for _ in $(seq 1 900); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done

topic="bench-$(date +%s)"
java -cp "$cp" io.kaudit.bench.ProduceLog "$log" "127.0.0.1:$port" "$topic" 6 lz4
/usr/bin/time -o "$dir/consume-time.txt" -f "%e %M" "$kaudit" \
  consume "${rule_args[@]}" --bootstrap "127.0.0.1:$port" --topic "$topic" --group bench --exit-at-end --progress 0 \
  -f jsonl -o "$dir/consume-alerts.jsonl" 2> "$dir/consume.err"
read -r wall rss < "$dir/consume-time.txt"
grep 'stopped;' "$dir/consume.err" | sed 's/^kaudit: stopped; /kaudit consume (one member): /'
echo "wall ${wall} s including JVM start and joining the group, peak RSS $((rss / 1024)) MiB"
