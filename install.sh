#!/usr/bin/env bash
# Builds kaudit and installs it: DIR/bin/kaudit (launcher) and DIR/share/kaudit (jar, CDS archive).
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
command -v java >/dev/null || { echo "install.sh: java (17 or newer) is required" >&2; exit 2; }
command -v mvn >/dev/null || { echo "install.sh: maven (mvn) is required" >&2; exit 2; }

echo "Building kaudit..."
(cd "$here" && mvn -q -B -DskipTests package)

mkdir -p "$prefix/bin" "$prefix/share/kaudit"
prefix="$(cd "$prefix" && pwd)"
home="$prefix/share/kaudit"
cp "$here/target/kaudit.jar" "$home/kaudit.jar"
rm -f "$home/kaudit.jsa"

# Heap and GC sized so peak RSS stays far below 256 MiB whatever the input size (kaudit streams).
cat > "$prefix/bin/kaudit" <<LAUNCHER
#!/bin/sh
# kaudit launcher, written by install.sh. KAUDIT_JAVA_OPTS replaces the JVM options below.
home="$home"
heap=160m
[ "\${1:-}" = repl ] && heap=2g   # the repl keeps columns of every event (about 100 MiB per GiB of log)
opts="\${KAUDIT_JAVA_OPTS:--Xms32m -Xmx\$heap -XX:+UseSerialGC -XX:MaxMetaspaceSize=64m -Xss1m}"
cds=""
[ -f "\$home/kaudit.jsa" ] && cds="-XX:SharedArchiveFile=\$home/kaudit.jsa -Xshare:auto"
exec java \$opts \$cds -Xlog:cds=off -Xlog:cds+dynamic=off -jar "\$home/kaudit.jar" "\$@"
LAUNCHER
chmod +x "$prefix/bin/kaudit"

# Class-data sharing archive: start-up well under half a second on the JVM.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u"},"stageTimestamp":"2026-01-01T00:00:00.000000Z"}' > "$tmp/one.log"
java -XX:ArchiveClassesAtExit="$home/kaudit.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$home/kaudit.jar" scan -q -f jsonl "$tmp/one.log" >/dev/null 2>&1 || rm -f "$home/kaudit.jsa"

echo "Installed $prefix/bin/kaudit ($("$prefix/bin/kaudit" --version | head -1))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add $prefix/bin to your PATH to run kaudit." ;;
esac
echo "Shell completion: source <(kaudit generate-completion)"
