#!/usr/bin/env bash
# Checks that our perf tools work and interoperate with libzmq's (perf/c,
# built here against the system's libzmq), in both directions over tcp and
# ipc, with and without CURVE, that a 1M-message ipc stream from our
# remote_thr reaches libzmq's local_thr whole, and that the ceiling and the
# latency floor run. Not a benchmark: no timing is asserted, only that every
# message arrives.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ours=$root/bin
theirs=$root/bin/libzmq
"$root/perf/c/build.sh" "$theirs" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Ports below the ephemeral range (32768 and up on Linux), where no
# outgoing connection of another program can hold one.
port=$((20000 + RANDOM % 10000))
fail=0

# endpoint sets ep to a fresh endpoint of the transport (not in a
# subshell: each call takes the next port).
endpoint() { # transport
	port=$((port + 1))
	case $1 in tcp) ep="tcp://127.0.0.1:$port" ;; ipc) ep="ipc://$tmp/s$port.ipc" ;; esac
}

thr() { # local_dir remote_dir transport size count [curve]
	local ep out; endpoint "$3"
	timeout 120 "$1/local_thr" "$ep" "$4" "$5" ${6:-} >"$tmp/out" 2>&1 &
	local pid=$!
	sleep 0.3
	timeout 120 "$2/remote_thr" "$ep" "$4" "$5" ${6:-} || true
	if ! wait $pid; then echo "FAIL thr $1 <- $2 $3 $4x$5: local_thr failed"; cat "$tmp/out"; fail=1; return; fi
	if ! grep -q "^message count: $5\$" "$tmp/out"; then echo "FAIL thr $1 <- $2 $3: bad output"; cat "$tmp/out"; fail=1; return; fi
	echo "ok   thr local=$(basename "$1") remote=$(basename "$2") $3 ${4}B x $5 ${6:-}: $(grep 'msg/s' "$tmp/out")"
}

lat() { # local_dir remote_dir transport size count [curve]
	local ep; endpoint "$3"
	timeout 120 "$1/local_lat" "$ep" "$4" "$5" ${6:-} &
	local pid=$!
	sleep 0.3
	if ! timeout 120 "$2/remote_lat" "$ep" "$4" "$5" ${6:-} >"$tmp/out" 2>&1; then echo "FAIL lat $3"; cat "$tmp/out"; fail=1; fi
	wait $pid || { echo "FAIL lat local_lat $3"; fail=1; }
	grep -q "^average latency:" "$tmp/out" && echo "ok   lat local=$(basename "$1") remote=$(basename "$2") $3 ${6:-}: $(grep latency "$tmp/out")"
}

for tr in tcp ipc; do
	for pair in "$ours $ours" "$ours $theirs" "$theirs $ours"; do
		set -- $pair
		thr "$1" "$2" $tr 64 5000
		thr "$1" "$2" $tr 70000 200
		lat "$1" "$2" $tr 64 1000
	done
done
for pair in "$ours $ours" "$ours $theirs" "$theirs $ours" "$theirs $theirs"; do
	set -- $pair
	thr "$1" "$2" tcp 64 5000 curve
	thr "$1" "$2" tcp 70000 200 curve
	lat "$1" "$2" tcp 64 1000 curve
done
for t in inproc_thr inproc_lat; do
	out=$("$theirs/$t" 64 2000) && grep -q "^message size: 64" <<<"$out" && echo "ok   libzmq's $t" || { echo "FAIL libzmq's $t"; fail=1; }
done
for net in tcp unix; do
	out=$(timeout 120 "$ours/ceiling" $net 1024 10000) && grep -q "^message count: 10000$" <<<"$out" && echo "ok   ceiling $net" || { echo "FAIL ceiling $net"; fail=1; }
	out=$(timeout 120 "$ours/latfloor" $net 64 1000) && grep -q "^average latency:" <<<"$out" && echo "ok   latfloor $net" || { echo "FAIL latfloor $net"; fail=1; }
	out=$(timeout 120 "$ours/latfloor" $net 64 1000 poll) && grep -q "^average latency:" <<<"$out" && echo "ok   latfloor $net poll" || { echo "FAIL latfloor $net poll"; fail=1; }
done
"$ours/inproc_thr" 64 10000 | grep -q "^message count: 10000$" && echo "ok   inproc_thr" || { echo "FAIL inproc_thr"; fail=1; }
"$ours/inproc_lat" 64 1000 | grep -q "^average latency:" && echo "ok   inproc_lat" || { echo "FAIL inproc_lat"; fail=1; }
for d in "$ours" "$theirs"; do
	out=$(timeout 120 "$d/proxy_thr" 64 10000) && grep -q "^message count: 10000$" <<<"$out" && echo "ok   proxy_thr $(basename "$d")" || { echo "FAIL proxy_thr $(basename "$d")"; fail=1; }
done

# streamed streamer_dir local_dir remote_dir: remote_thr -> streamer ->
# local_thr over tcp, 5000 messages of 64 B.
streamed() {
	local in out_ep
	port=$((port + 2))
	in="tcp://127.0.0.1:$((port - 1))" out_ep="tcp://127.0.0.1:$port"
	timeout 120 "$2/local_thr" "$out_ep" 64 5000 >"$tmp/out" 2>&1 &
	local lpid=$!
	timeout 120 "$1/streamer" "$in" "$out_ep" &
	local spid=$!
	sleep 0.3
	timeout 120 "$3/remote_thr" "$in" 64 5000 || true
	if wait $lpid && grep -q "^message count: 5000$" "$tmp/out"; then
		echo "ok   streamer $(basename "$1") between local=$(basename "$2") remote=$(basename "$3")"
	else
		echo "FAIL streamer $(basename "$1") between local=$(basename "$2") remote=$(basename "$3")"; cat "$tmp/out"; fail=1
	fi
	kill $spid 2>/dev/null || true
	wait $spid 2>/dev/null || true
}
streamed "$ours" "$theirs" "$theirs"
streamed "$ours" "$ours" "$ours"
streamed "$theirs" "$ours" "$ours"
# The tail of a fast stream must survive our close: 1M messages over ipc into libzmq.
thr "$theirs" "$ours" ipc 64 1000000
exit $fail
