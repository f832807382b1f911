#!/usr/bin/env bash
# Builds kaudit and installs it: DIR/bin/kaudit (launcher) and DIR/share/kaudit (jar, CDS archive or AOT cache).
# Usage: ./install.sh [--prefix DIR]     (default DIR: ~/.local)
set -euo pipefail

prefix="${HOME}/.local"
while (($#)); do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "$0")" && pwd)"
command -v mvn >/dev/null || { echo "install.sh: maven (mvn) is required" >&2; exit 2; }

# The JVM that runs kaudit: $KAUDIT_JAVA if set, else the newest Java 17+ among $JAVA_HOME, the
# java on PATH and /usr/lib/jvm (newer JITs warm up faster; Java 25 adds an ahead-of-time cache).
java_version() { "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'; }
java_bin="${KAUDIT_JAVA:-}"
if [[ -z "$java_bin" ]]; then
  best=0
  for j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [[ -n "$j" && -x "$j" ]] || continue
    v=$(java_version "$j"); [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v >= 17 && v > best)); then best=$v; java_bin=$j; fi
  done
fi
[[ -n "$java_bin" ]] || { echo "install.sh: Java 17 or newer is required (set KAUDIT_JAVA or JAVA_HOME)" >&2; exit 2; }
java_major=$(java_version "$java_bin")

echo "Building kaudit..."
(cd "$here" && mvn -q -B -DskipTests package)

mkdir -p "$prefix/bin" "$prefix/share/kaudit"
prefix="$(cd "$prefix" && pwd)"
home="$prefix/share/kaudit"
cp "$here/target/kaudit.jar" "$home/kaudit.jar"
rm -f "$home/kaudit.jsa" "$home/kaudit.aot"

# Heap and GC sized so peak RSS stays far below 256 MiB whatever the input size (kaudit streams).
cat > "$prefix/bin/kaudit" <<LAUNCHER
#!/bin/sh
# kaudit launcher, written by install.sh. KAUDIT_JAVA_OPTS replaces the JVM options below.
home="$home"
# A ceiling that keeps peak RSS under 256 MiB whatever the input: with more room the serial collector
# grows the old generation instead of collecting it (an alert-heavy 128 MiB log reached 430 MiB RSS
# under -Xmx512m, at most 230 MiB in every format under -Xmx144m, in the same time; a 1 GiB scan is
# as fast). One huge line needs ~4x its size: a line over ~30 MiB wants KAUDIT_JAVA_OPTS (the
# out-of-memory message says so).
heap=144m
# Rules files of many MiB (tens of thousands of rules) need room to compile: more heap for those.
prev=""
for a in "\$@"; do
  f=""
  case "\$prev" in -r|--rules|--add-rules) f="\$a" ;; esac
  case "\$a" in --rules=*|--add-rules=*) f="\${a#*=}" ;; *.yaml|*.yml) f="\$a" ;; esac
  if [ -n "\$f" ] && [ -e "\$f" ] && [ "\$(du -sk "\$f" 2>/dev/null | cut -f1)" -gt 4096 ]; then heap=1g; fi
  prev="\$a"
done
[ "\${1:-}" = repl ] && heap=2g   # the repl keeps columns of every event (about 100 MiB per GiB of log)
# A 64 MiB young generation: events die young, and fewer collections stop the workers less often.
# On two cores the JVM gives the JIT one C2 thread; a second one has the decoder compiled sooner,
# which shortened a cold 1 GiB scan by ~5% and its CPU time by ~8% (bigger machines get more anyway).
# C2 inlines hot callees up to 200 bytecodes rather than 325: the decoder's compiled methods come out
# ~20% smaller and sooner; a cold 1 GiB scan took ~10% less time and CPU, the steady state is unchanged.
jit="-XX:FreqInlineSize=200"
[ "\$(nproc 2>/dev/null || echo 4)" -le 2 ] && jit="\$jit -XX:CICompilerCount=3"
opts="\${KAUDIT_JAVA_OPTS:--Xms96m -Xmn64m -Xmx\$heap -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m -Xss1m \$jit}"
cds=""
[ -f "\$home/kaudit.jsa" ] && cds="-XX:SharedArchiveFile=\$home/kaudit.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
[ -f "\$home/kaudit.aot" ] && cds="-XX:AOTCache=\$home/kaudit.aot -Xlog:aot=off -Xlog:cds=off"
exec "$java_bin" \$opts \$cds -jar "\$home/kaudit.jar" "\$@"
LAUNCHER
chmod +x "$prefix/bin/kaudit"

# Start-up and warm-up: Java 25+ gets an ahead-of-time cache (classes loaded and linked, method
# profiles) from training scans of a generated log, one per report kind in one JVM (-f jsonl and
# -f html: trained on jsonl alone, an html run loaded, linked and profiled its own classes cold);
# older JVMs a class-data sharing archive.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ((java_major >= 25)); then
  # (run in $tmp: should the JVM fail while assembling the cache, its crash report stays there)
  (cd "$tmp" && "$java_bin" -cp "$home/kaudit.jar" io.kaudit.bench.LogGenerator train.log 64 1 500 "$here/samples" 2>/dev/null \
    && "$java_bin" -XX:AOTCacheOutput="$home/kaudit.aot" -Xlog:aot=off -Xlog:cds=off -Xmx160m -XX:+UseSerialGC \
         -cp "$home/kaudit.jar" io.kaudit.bench.Training train.log . "$here/samples" >/dev/null 2>&1) \
    || rm -f "$home/kaudit.aot"
fi
if [[ ! -f "$home/kaudit.aot" ]]; then
  printf '%s\n' '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u"},"stageTimestamp":"2026-01-01T00:00:00.000000Z"}' > "$tmp/one.log"
  (cd "$tmp" && "$java_bin" -XX:ArchiveClassesAtExit="$home/kaudit.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
    -jar "$home/kaudit.jar" scan -q -f jsonl one.log >/dev/null 2>&1) || rm -f "$home/kaudit.jsa"
fi

echo "Installed $prefix/bin/kaudit ($("$prefix/bin/kaudit" --version | head -1), Java $java_major at $java_bin)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add $prefix/bin to your PATH to run kaudit." ;;
esac
echo "Shell completion: source <(kaudit generate-completion)"
