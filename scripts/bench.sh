#!/usr/bin/env bash
# Side-by-side benchmark: our perf tools (bin/, from `make perf`) against
# libzmq's (perf/c, built against the system's libzmq into bin/libzmq), with
# libzmq's own command lines. Each measurement alternates ours and libzmq's, RUNS times,
# and the tables show medians and the ratio ours/libzmq:
#
#   thr     throughput over each transport and size; beside tcp and ipc the
#           plain-stream ceiling (perf/ceiling: framed bytes
#           through a buffered TCP or unix socket, no ZeroMQ)
#   lat     one-way latency (remote_lat/local_lat, inproc_lat), beside tcp
#           and ipc the latency floor (perf/latfloor: a plain
#           ping-pong, one blocking read and one write per hop); then the
#           same with both processes pinned to one CPU (taskset), which
#           takes the cost of waking an idle CPU out of every hop
#   mixed   wire interop pairs: our remote_thr -> libzmq local_thr and
#           libzmq remote_thr -> our local_thr, against libzmq -> libzmq
#   fanin   4 remote_thr processes into one local_thr, ours and libzmq's
#   rss     peak RSS of local_thr receiving 64 B messages over tcp
#   curve   CURVE over tcp (the tools' "curve" argument, the fixed
#           keys): throughput ours and libzmq's, the mixed pairs both ways,
#           and one-way latency
#   proxy   proxy_thr (two publishers through an XSUB/XPUB proxy to one
#           subscriber, inproc), ours and libzmq's; and a STREAMER between
#           libzmq's remote_thr and local_thr over tcp: ours (perf/streamer)
#           against libzmq's zmq_proxy
#
# Env: RUNS (default 5), SIZES (default "16 64 1024 65536 1048576"),
# TRANSPORTS (default "tcp ipc inproc"), QUICK=1 (one run, small counts: a
# validation, not a measurement), LAT_SIZES (default 64), MIXED_SIZES and
# FANIN_SIZES (default "64 65536"), FANIN_TRANSPORTS (default "tcp"),
# CURVE_SIZES (default "64 65536"), PROXY_SIZES (default "64 65536"),
# SECTIONS (default "thr lat mixed fanin rss curve proxy"), TIMEOUT (seconds per process,
# default 60, 30 with QUICK=1), BASE (a folder holding another build of our
# perf tools, e.g. an earlier commit's: thr and lat then add its column and
# the ratio ours/base, measured in turn with the others).
#
# The machine is small and shared: trust ratios measured in one run, not
# absolute numbers, and keep other heavy work off it while this runs.
set -u

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ours=$root/bin
theirs=$root/bin/libzmq
ceiling=$root/bin/ceiling
latfloor=$root/bin/latfloor
BASE=${BASE:-}

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then RUNS=1; fi
RUNS=${RUNS:-5}
SIZES=${SIZES:-"16 64 1024 65536 1048576"}
TRANSPORTS=${TRANSPORTS:-"tcp ipc inproc"}
LAT_SIZES=${LAT_SIZES:-64}
MIXED_SIZES=${MIXED_SIZES:-"64 65536"}
FANIN_SIZES=${FANIN_SIZES:-"64 65536"}
FANIN_TRANSPORTS=${FANIN_TRANSPORTS:-tcp}
CURVE_SIZES=${CURVE_SIZES:-"64 65536"}
PROXY_SIZES=${PROXY_SIZES:-"64 65536"}
SECTIONS=${SECTIONS:-"thr lat mixed fanin rss curve proxy"}
if [ "$QUICK" = 1 ]; then TMO=${TIMEOUT:-30}; else TMO=${TIMEOUT:-60}; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- build --------------------------------------------------------------

echo "building our perf tools, the ceiling and the floor (make perf), and libzmq's (perf/c)..." >&2
make -C "$root" --no-print-directory perf >&2 || { echo "make perf failed" >&2; exit 1; }
"$root/perf/c/build.sh" "$theirs" >&2 || { echo "building libzmq's tools failed (scripts/deps.sh installs libzmq3-dev)" >&2; exit 1; }
if [ -n "$BASE" ] && [ ! -x "$BASE/local_thr" ]; then echo "BASE=$BASE holds no perf tools" >&2; exit 1; fi

# ---- helpers ------------------------------------------------------------

# Ports below the ephemeral range (32768 and up on Linux), where no
# outgoing connection of another program can hold one.
port=$((20000 + RANDOM % 10000))
# endpoint sets ep to a fresh endpoint of the transport (not in a
# subshell: each call takes the next port).
endpoint() { # transport
	port=$((port + 1))
	case $1 in
	tcp) ep="tcp://127.0.0.1:$port" ;;
	ipc) ep="ipc://$tmp/s$port.ipc" ;;
	esac
}

has() { # word list...
	local w=$1
	shift
	for x in "$@"; do [ "$x" = "$w" ] && return 0; done
	return 1
}

# Message counts per size: libzmq-style runs of about a second, or small
# ones for QUICK. Every sender's share stays above the default SNDHWM (1000)
# so that no sender can close before its connection is up.
thr_count() { # size
	local s=$1
	if [ "$QUICK" = 1 ]; then
		if [ "$s" -le 1024 ]; then echo 20000; elif [ "$s" -le 65536 ]; then echo 5000; else echo 1100; fi
	else
		if [ "$s" -le 64 ]; then echo 2000000; elif [ "$s" -le 1024 ]; then echo 1000000; elif [ "$s" -le 65536 ]; then echo 50000; else echo 2000; fi
	fi
}
lat_count() { if [ "$QUICK" = 1 ]; then echo 2000; else echo 20000; fi; }
fanin_count() { # size: at least 4 x 1100
	local n; n=$(thr_count "$1")
	echo $((n < 4400 ? 4400 : n))
}

# thr LOCAL_DIR REMOTE_DIR TRANSPORT SIZE COUNT [SENDERS] prints local_thr's
# msg/s, or FAIL. SENDERS remote_thr processes share COUNT between them.
thr() {
	local l=$1 r=$2 tr=$3 size=$4 count=$5 senders=${6:-1}
	local out=$tmp/thr.out ep lpid rc=0 i n pids=()
	if [ "$tr" = inproc ]; then
		timeout "$TMO" "$l/inproc_thr" "$size" "$count" >"$out" 2>&1 || rc=1
	else
		endpoint "$tr"
		timeout "$TMO" "$l/local_thr" "$ep" "$size" "$count" $CURVE >"$out" 2>&1 &
		lpid=$!
		sleep 0.3
		for ((i = 0; i < senders; i++)); do
			n=$((count / senders + (i < count % senders ? 1 : 0)))
			timeout "$TMO" "$r/remote_thr" "$ep" "$size" "$n" $CURVE >/dev/null 2>&1 &
			pids+=($!)
		done
		for p in "${pids[@]}"; do wait "$p" || rc=1; done
		wait "$lpid" || rc=1
	fi
	if [ $rc != 0 ]; then echo FAIL; return; fi
	awk '/mean throughput:.*msg\/s/ {print $3}' "$out"
}

# lat LOCAL_DIR REMOTE_DIR TRANSPORT SIZE COUNT prints remote_lat's one-way
# latency in microseconds, or FAIL. PIN, when set, prefixes every process
# (taskset -c 0).
lat() {
	local l=$1 r=$2 tr=$3 size=$4 count=$5
	local out=$tmp/lat.out ep lpid
	if [ "$tr" = inproc ]; then
		timeout "$TMO" $PIN "$l/inproc_lat" "$size" "$count" >"$out" 2>&1 || { echo FAIL; return; }
	else
		endpoint "$tr"
		timeout "$TMO" $PIN "$l/local_lat" "$ep" "$size" "$count" $CURVE >/dev/null 2>&1 &
		lpid=$!
		sleep 0.3
		if ! timeout "$TMO" $PIN "$r/remote_lat" "$ep" "$size" "$count" $CURVE >"$out" 2>&1; then
			kill "$lpid" 2>/dev/null
			wait "$lpid"
			echo FAIL
			return
		fi
		wait "$lpid" || { echo FAIL; return; }
	fi
	awk '/average latency:/ {print $3}' "$out"
}
PIN=
# CURVE, when set to "curve", is the tools' last argument: thr and lat then
# run over CURVE (tcp and ipc only).
CURVE=

# floor TRANSPORT SIZE COUNT [poll] prints the plain ping-pong's one-way
# latency in microseconds (- for inproc, which has none); with "poll", that
# of the ping-pong waiting in poll(2) beside a goroutine in Go's network
# poller, as our receives wait on Linux.
floor() {
	local net=tcp
	case $1 in inproc) echo -; return ;; ipc) net=unix ;; esac
	timeout "$TMO" $PIN "$latfloor" "$net" "$2" "$3" ${4:-} 2>/dev/null | awk '/average latency:/ {print $3}' | grep . || echo FAIL
}

# ceil TRANSPORT SIZE COUNT prints the plain-stream ceiling in msg/s.
ceil() {
	local net=tcp
	[ "$1" = ipc ] && net=unix
	timeout "$TMO" "$ceiling" "$net" "$2" "$3" 2>/dev/null | awk '/mean throughput:.*msg\/s/ {print $3}' | grep . || echo FAIL
}

median() { grep -v FAIL | sort -g | awk '{a[NR]=$1} END {print (NR==0) ? "FAIL" : a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "-" }'; }

# ---- header -------------------------------------------------------------

printf 'package main\nimport ("fmt"; "runtime")\nfunc main() { fmt.Println(runtime.GOMAXPROCS(0)) }\n' >"$tmp/gmp.go"
gomaxprocs=$(cd "$tmp" && go run gmp.go 2>/dev/null || echo "?")
echo "# zmq-go perf vs libzmq, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:    $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -sr)"
echo "go:         $(go version | awk '{print $3, $4}'), GOMAXPROCS=$gomaxprocs${GOMAXPROCS:+ (set in env)}"
echo "libzmq:     $(dpkg-query -W -f '${Version}' libzmq3-dev 2>/dev/null || echo '?') (Debian libzmq3-dev)"
echo "commit:     $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)')"
echo "settings:   RUNS=$RUNS QUICK=$QUICK SIZES=\"$SIZES\" TRANSPORTS=\"$TRANSPORTS\"${BASE:+ BASE=$(basename "$BASE")}"
[ "$QUICK" = 1 ] && echo "QUICK=1: one run with small counts - a validation, not a measurement"
echo

# ---- throughput ---------------------------------------------------------

if has thr $SECTIONS; then
	echo "## throughput [msg/s], median of $RUNS (ours/libzmq, ours/ceiling${BASE:+, ours/base}: higher is better)"
	printf "%-6s %8s %9s %12s %12s %8s %12s %9s" tr size count ours libzmq ours/lz ceiling ours/ceil
	[ -n "$BASE" ] && printf " %12s %8s" base ours/bs
	printf "   %s\n" "runs: ours | libzmq | ceiling${BASE:+ | base}"
	for tr in $TRANSPORTS; do
		for s in $SIZES; do
			n=$(thr_count "$s")
			ra=() rb=() rc=() rz=()
			for ((i = 0; i < RUNS; i++)); do
				ra+=("$(thr "$ours" "$ours" "$tr" "$s" "$n")")
				rb+=("$(thr "$theirs" "$theirs" "$tr" "$s" "$n")")
				[ "$tr" != inproc ] && rc+=("$(ceil "$tr" "$s" "$n")")
				[ -n "$BASE" ] && rz+=("$(thr "$BASE" "$BASE" "$tr" "$s" "$n")")
			done
			ma=$(printf "%s\n" "${ra[@]}" | median)
			mb=$(printf "%s\n" "${rb[@]}" | median)
			mc=- rcs=-
			if [ "$tr" != inproc ]; then
				mc=$(printf "%s\n" "${rc[@]}" | median)
				rcs=${rc[*]}
			fi
			printf "%-6s %8s %9s %12s %12s %8s %12s %9s" "$tr" "$s" "$n" "$ma" "$mb" "$(ratio "$ma" "$mb")" "$mc" "$(ratio "$ma" "$mc")"
			if [ -n "$BASE" ]; then
				mz=$(printf "%s\n" "${rz[@]}" | median)
				printf " %12s %8s" "$mz" "$(ratio "$ma" "$mz")"
			fi
			printf "   %s | %s | %s" "${ra[*]}" "${rb[*]}" "$rcs"
			[ -n "$BASE" ] && printf " | %s" "${rz[*]}"
			echo
		done
	done
	echo
fi

# ---- latency ------------------------------------------------------------

# lat_table TITLE prints one latency table: ours, libzmq, the floor, the
# poll(2) floor (Linux, more than one CPU: where our receives wait in
# poll(2)) and BASE, alternated, for every transport and size.
lat_table() {
	local n tr s i ra rb rf rp rz ma mb mf mp mz pf=
	n=$(lat_count)
	[ "$(uname)" = Linux ] && [ -z "$PIN" ] && pf=1
	echo "## one-way latency [us]$1, $n roundtrips, median of $RUNS (ours/libzmq, ours/floor${pf:+, ours/poll floor}${BASE:+, ours/base}: lower is better)"
	printf "%-6s %8s %10s %10s %8s %10s %8s" tr size ours libzmq ours/lz floor ours/fl
	[ -n "$pf" ] && printf " %10s %8s" pfloor ours/pf
	[ -n "$BASE" ] && printf " %10s %8s" base ours/bs
	printf "   %s\n" "runs: ours | libzmq | floor${pf:+ | poll floor}${BASE:+ | base}"
	for tr in $TRANSPORTS; do
		for s in $LAT_SIZES; do
			ra=() rb=() rf=() rp=() rz=()
			for ((i = 0; i < RUNS; i++)); do
				ra+=("$(lat "$ours" "$ours" "$tr" "$s" "$n")")
				rb+=("$(lat "$theirs" "$theirs" "$tr" "$s" "$n")")
				rf+=("$(floor "$tr" "$s" "$n")")
				[ -n "$pf" ] && rp+=("$(floor "$tr" "$s" "$n" poll)")
				[ -n "$BASE" ] && rz+=("$(lat "$BASE" "$BASE" "$tr" "$s" "$n")")
			done
			ma=$(printf "%s\n" "${ra[@]}" | median)
			mb=$(printf "%s\n" "${rb[@]}" | median)
			mf=- mp=-
			[ "$tr" != inproc ] && mf=$(printf "%s\n" "${rf[@]}" | median)
			[ "$tr" != inproc ] && [ -n "$pf" ] && mp=$(printf "%s\n" "${rp[@]}" | median)
			printf "%-6s %8s %10s %10s %8s %10s %8s" "$tr" "$s" "$ma" "$mb" "$(ratio "$ma" "$mb")" "$mf" "$(ratio "$ma" "$mf")"
			[ -n "$pf" ] && printf " %10s %8s" "$mp" "$(ratio "$ma" "$mp")"
			if [ -n "$BASE" ]; then
				mz=$(printf "%s\n" "${rz[@]}" | median)
				printf " %10s %8s" "$mz" "$(ratio "$ma" "$mz")"
			fi
			printf "   %s | %s | %s" "${ra[*]}" "${rb[*]}" "${rf[*]}"
			[ -n "$pf" ] && printf " | %s" "${rp[*]}"
			[ -n "$BASE" ] && printf " | %s" "${rz[*]}"
			echo
		done
	done
	echo
}

if has lat $SECTIONS; then
	lat_table ""
	if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
		PIN="taskset -c 0"
		lat_table ", both processes on CPU 0"
		PIN=
	fi
fi

# ---- mixed pairs --------------------------------------------------------

if has mixed $SECTIONS; then
	echo "## mixed pairs [msg/s], sender -> receiver, median of $RUNS (ratios against libzmq -> libzmq: higher is better)"
	printf "%-6s %8s %13s %13s %13s %8s %8s   %s\n" tr size "ours->lz" "lz->ours" "lz->lz" "o->l/ll" "l->o/ll" "runs: ours->lz | lz->ours | lz->lz"
	for tr in $TRANSPORTS; do
		[ "$tr" = inproc ] && continue
		for s in $MIXED_SIZES; do
			n=$(thr_count "$s")
			ra=() rb=() rc=()
			for ((i = 0; i < RUNS; i++)); do
				ra+=("$(thr "$theirs" "$ours" "$tr" "$s" "$n")")
				rb+=("$(thr "$ours" "$theirs" "$tr" "$s" "$n")")
				rc+=("$(thr "$theirs" "$theirs" "$tr" "$s" "$n")")
			done
			ma=$(printf "%s\n" "${ra[@]}" | median)
			mb=$(printf "%s\n" "${rb[@]}" | median)
			mc=$(printf "%s\n" "${rc[@]}" | median)
			printf "%-6s %8s %13s %13s %13s %8s %8s   %s | %s | %s\n" "$tr" "$s" "$ma" "$mb" "$mc" \
				"$(ratio "$ma" "$mc")" "$(ratio "$mb" "$mc")" "${ra[*]}" "${rb[*]}" "${rc[*]}"
		done
	done
	echo
fi

# ---- fan-in -------------------------------------------------------------

if has fanin $SECTIONS; then
	echo "## fan-in [msg/s]: 4 remote_thr processes into one local_thr, median of $RUNS (ours/libzmq: higher is better)"
	printf "%-6s %8s %9s %12s %12s %8s   %s\n" tr size count ours libzmq ours/lz "runs: ours | libzmq"
	for tr in $FANIN_TRANSPORTS; do
		for s in $FANIN_SIZES; do
			n=$(fanin_count "$s")
			ra=() rb=()
			for ((i = 0; i < RUNS; i++)); do
				ra+=("$(thr "$ours" "$ours" "$tr" "$s" "$n" 4)")
				rb+=("$(thr "$theirs" "$theirs" "$tr" "$s" "$n" 4)")
			done
			ma=$(printf "%s\n" "${ra[@]}" | median)
			mb=$(printf "%s\n" "${rb[@]}" | median)
			printf "%-6s %8s %9s %12s %12s %8s   %s | %s\n" "$tr" "$s" "$n" "$ma" "$mb" "$(ratio "$ma" "$mb")" "${ra[*]}" "${rb[*]}"
		done
	done
	echo
fi

# ---- memory -------------------------------------------------------------

# rss DIR prints the peak RSS in KiB of DIR's local_thr receiving 64 B
# messages over tcp from libzmq's remote_thr (the same sender for both).
rss() {
	local ep lpid n
	n=$(thr_count 64)
	endpoint tcp
	timeout "$TMO" /usr/bin/time -o "$tmp/rss" -f %M "$1/local_thr" "$ep" 64 "$n" >/dev/null 2>&1 &
	lpid=$!
	sleep 0.3
	timeout "$TMO" "$theirs/remote_thr" "$ep" 64 "$n" >/dev/null 2>&1
	if wait "$lpid"; then tail -n 1 "$tmp/rss"; else echo FAIL; fi
}

if has rss $SECTIONS; then
	if [ -x /usr/bin/time ]; then
		echo "## peak RSS of local_thr [KiB], tcp, 64 B x $(thr_count 64) from libzmq's remote_thr, median of $RUNS"
		ra=() rb=()
		for ((i = 0; i < RUNS; i++)); do
			ra+=("$(rss "$ours")")
			rb+=("$(rss "$theirs")")
		done
		ma=$(printf "%s\n" "${ra[@]}" | median)
		mb=$(printf "%s\n" "${rb[@]}" | median)
		printf "%-8s %10s   runs: %s\n%-8s %10s   runs: %s\n" ours "$ma" "${ra[*]}" libzmq "$mb" "${rb[*]}"
	else
		echo "## peak RSS: skipped (no GNU time at /usr/bin/time)"
	fi
	echo
fi

# ---- CURVE --------------------------------------------------------------

if has curve $SECTIONS; then
	CURVE=curve
	echo "## CURVE over tcp [msg/s], median of $RUNS: ours and libzmq's, and the mixed pairs (sender -> receiver); ratios against libzmq -> libzmq, higher is better"
	printf "%-6s %8s %9s %12s %12s %8s %12s %12s %8s %8s   %s\n" tr size count ours libzmq ours/lz "ours->lz" "lz->ours" "o->l/ll" "l->o/ll" "runs: ours | libzmq | ours->lz | lz->ours"
	for s in $CURVE_SIZES; do
		n=$(thr_count "$s")
		[ "$s" -le 1024 ] && [ "$QUICK" != 1 ] && n=$((n / 2)) # CURVE runs at a fraction of NULL's rate
		ra=() rb=() rc=() rd=()
		for ((i = 0; i < RUNS; i++)); do
			ra+=("$(thr "$ours" "$ours" tcp "$s" "$n")")
			rb+=("$(thr "$theirs" "$theirs" tcp "$s" "$n")")
			rc+=("$(thr "$theirs" "$ours" tcp "$s" "$n")")
			rd+=("$(thr "$ours" "$theirs" tcp "$s" "$n")")
		done
		ma=$(printf "%s\n" "${ra[@]}" | median)
		mb=$(printf "%s\n" "${rb[@]}" | median)
		mc=$(printf "%s\n" "${rc[@]}" | median)
		md=$(printf "%s\n" "${rd[@]}" | median)
		printf "%-6s %8s %9s %12s %12s %8s %12s %12s %8s %8s   %s | %s | %s | %s\n" tcp "$s" "$n" "$ma" "$mb" "$(ratio "$ma" "$mb")" \
			"$mc" "$md" "$(ratio "$mc" "$mb")" "$(ratio "$md" "$mb")" "${ra[*]}" "${rb[*]}" "${rc[*]}" "${rd[*]}"
	done
	echo
	n=$(lat_count)
	echo "## CURVE one-way latency [us], tcp, $n roundtrips, median of $RUNS (ours/libzmq: lower is better)"
	printf "%-6s %8s %10s %10s %8s   %s\n" tr size ours libzmq ours/lz "runs: ours | libzmq"
	for s in $LAT_SIZES; do
		ra=() rb=()
		for ((i = 0; i < RUNS; i++)); do
			ra+=("$(lat "$ours" "$ours" tcp "$s" "$n")")
			rb+=("$(lat "$theirs" "$theirs" tcp "$s" "$n")")
		done
		ma=$(printf "%s\n" "${ra[@]}" | median)
		mb=$(printf "%s\n" "${rb[@]}" | median)
		printf "%-6s %8s %10s %10s %8s   %s | %s\n" tcp "$s" "$ma" "$mb" "$(ratio "$ma" "$mb")" "${ra[*]}" "${rb[*]}"
	done
	echo
	CURVE=
fi

# ---- proxies -------------------------------------------------------------

# proxy_thr DIR SIZE COUNT prints DIR's proxy_thr msg/s, or FAIL.
proxy_thr() {
	timeout "$TMO" "$1/proxy_thr" "$2" "$3" 2>/dev/null | awk '/mean throughput:.*msg\/s/ {print $3}' | grep . || echo FAIL
}

# streamed DIR SIZE COUNT prints the msg/s of libzmq's remote_thr -> DIR's
# streamer -> libzmq's local_thr over tcp, or FAIL.
streamed() {
	local out=$tmp/streamed.out in out_ep spid lpid rc=0
	port=$((port + 2))
	in="tcp://127.0.0.1:$((port - 1))"
	out_ep="tcp://127.0.0.1:$port"
	timeout "$TMO" "$theirs/local_thr" "$out_ep" "$2" "$3" >"$out" 2>&1 &
	lpid=$!
	timeout "$TMO" "$1/streamer" "$in" "$out_ep" >/dev/null 2>&1 &
	spid=$!
	sleep 0.3
	timeout "$TMO" "$theirs/remote_thr" "$in" "$2" "$3" >/dev/null 2>&1 || rc=1
	wait "$lpid" || rc=1
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	if [ $rc != 0 ]; then echo FAIL; return; fi
	awk '/mean throughput:.*msg\/s/ {print $3}' "$out"
}

if has proxy $SECTIONS; then
	echo "## proxies [msg/s], median of $RUNS (ours/libzmq: higher is better): proxy_thr (inproc, XSUB/XPUB); tcp STREAMER between libzmq's remote_thr and local_thr"
	printf "%-10s %8s %9s %12s %12s %8s   %s\n" test size count ours libzmq ours/lz "runs: ours | libzmq"
	for s in $PROXY_SIZES; do
		n=$(thr_count "$s")
		for test in proxy_thr streamer; do
			ra=() rb=()
			for ((i = 0; i < RUNS; i++)); do
				if [ $test = proxy_thr ]; then
					ra+=("$(proxy_thr "$ours" "$s" "$n")")
					rb+=("$(proxy_thr "$theirs" "$s" "$n")")
				else
					ra+=("$(streamed "$ours" "$s" "$n")")
					rb+=("$(streamed "$theirs" "$s" "$n")")
				fi
			done
			ma=$(printf "%s\n" "${ra[@]}" | median)
			mb=$(printf "%s\n" "${rb[@]}" | median)
			printf "%-10s %8s %9s %12s %12s %8s   %s | %s\n" $test "$s" "$n" "$ma" "$mb" "$(ratio "$ma" "$mb")" "${ra[*]}" "${rb[*]}"
		done
	done
	echo
fi
