#!/usr/bin/env bash
# Builds libzmq's perf tools (perf.c, against the system's libzmq) into
# the folder given, bin/libzmq by default: one program and a link per tool.
# scripts/deps.sh installs libzmq's headers (Debian libzmq3-dev) and a C
# compiler.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/../../bin/libzmq}
if ! pkg-config --exists libzmq 2>/dev/null; then
	echo "perf/c/build.sh: libzmq's headers are missing (run scripts/deps.sh, or install libzmq3-dev)" >&2
	exit 1
fi
mkdir -p "$out"
cc -O2 -Wall -Wextra -pthread -o "$out/perf" "$here/perf.c" $(pkg-config --cflags --libs libzmq)
for t in local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat proxy_thr streamer; do
	ln -sf perf "$out/$t"
done
echo "built into $out"
