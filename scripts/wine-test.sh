#!/usr/bin/env bash
# Runs the library's tests built for windows/amd64 under Wine (Debian's
# wine64, 8.0), over tcp and inproc. What cannot run there is left out, and
# WINDOWS.md says why: ipc (Wine 8.0 has no AF_UNIX sockets, which Windows
# 10 and later have), and the tests that need it.
#
# Go 1.22 and later need ProcessPrng from bcryptprimitives.dll, which Wine
# 8.0 lacks: scripts/wine/bcryptprimitives.c provides it, built with MinGW
# into the throwaway Wine prefix. scripts/deps.sh installs wine64 and MinGW.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
if [ ! -x "$wine" ]; then
	echo "wine-test: wine64 is missing (run scripts/deps.sh)" >&2
	exit 1
fi
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
	echo "wine-test: x86_64-w64-mingw32-gcc is missing (run scripts/deps.sh)" >&2
	exit 1
fi
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
tmp=$(mktemp -d)
# The prefix's wineserver outlives the test binary for a moment: stop it
# before the prefix goes.
trap 'WINEPREFIX=$tmp/prefix "$wineserver" -k 2>/dev/null; rm -rf "$tmp"' EXIT
export WINEPREFIX=$tmp/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

x86_64-w64-mingw32-gcc -shared -O2 -o "$tmp/bcryptprimitives.dll" "$root/scripts/wine/bcryptprimitives.c"
timeout 300 "$wine" wineboot --init >/dev/null 2>&1
cp "$tmp/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

# The tests that run: conformance of every pattern, devices, the poller,
# options (the tcp ones and SOCKS included), heartbeats and the security
# mechanisms, over tcp and inproc.
run='^(TestPush|TestPull|TestReq|TestRep|TestDealer|TestRouter|TestPubSub|TestSubscriptions|TestXSub|TestPair|TestMultipart|TestProxy|TestDevice|TestSteerableProxy|TestPoller(Transports|ConcurrentRecv|Patterns|Errors|ReadySelect)$|TestSendRecvTimeout|TestSetOption|TestOptionsSnapshot|TestVersionHas|TestPlainAuthenticates|TestCurveAuthenticates|TestCurveManyMessages|TestContextTerm|TestCloseLinger|TestReconnect$|TestTCPSocketOption|TestSocksProxy|TestBindToMissingDevice|TestConnectFromSource)'
# Left out: the ipc subtests, and TestPollerManySockets (a third of its
# sockets use ipc).
skip='/ipc'

cd "$root"
GOOS=windows GOARCH=amd64 go test -c -o "$tmp/zmq.test.exe" .
cd "$tmp"
echo "wine-test: running the windows/amd64 tests under $("$wine" --version 2>/dev/null || echo wine)"
timeout 900 "$wine" "$tmp/zmq.test.exe" -test.v -test.run "$run" -test.skip "$skip" -test.count=1 -test.timeout=10m >"$tmp/out" 2>&1 || true
if ! grep -q '^PASS' "$tmp/out" || grep -q -e '^--- FAIL' -e '^FAIL' "$tmp/out"; then
	echo "wine-test: FAIL" >&2
	tail -50 "$tmp/out" >&2
	exit 1
fi
echo "wine-test: ok: $(grep -c '^--- PASS' "$tmp/out") tests passed under Wine"
