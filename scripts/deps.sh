#!/usr/bin/env bash
# Installs the system packages the tests need, only when they are missing:
# libzmq (headers for the cgo interop peer and the C perf tools) and pkg-config,
# and the interop peers' pyzmq (python3-zmq), JeroMQ (libjeromq-java) and a JDK,
# and Dante's SOCKS5 server (dante-server) for the SOCKS proxy tests;
# iproute2 (ip, ss) and nftables for the fault tests (make chaos); Wine
# (wine64) and a MinGW C compiler for the windows/amd64 tests under Wine
# (scripts/wine-test.sh).
set -euo pipefail
need=()
dpkg -s libzmq3-dev >/dev/null 2>&1 || need+=(libzmq3-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
dpkg -s python3-zmq >/dev/null 2>&1 || need+=(python3-zmq)
dpkg -s libjeromq-java >/dev/null 2>&1 || need+=(libjeromq-java)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
command -v danted >/dev/null 2>&1 || [ -x /usr/sbin/danted ] || need+=(dante-server)
command -v ss >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
dpkg -s wine64 >/dev/null 2>&1 || need+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing: ${need[*]}"
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
