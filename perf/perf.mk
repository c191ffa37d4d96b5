# Makefile fragment for the perf tools; the top-level Makefile includes it.
#   make perf   - builds the seven perf tools (libzmq's command lines and
#                 output), the loopback ceiling and the latency floor into
#                 bin/; libzmq's own tools are built by perf/c/build.sh
#   make bench  - side-by-side comparison with libzmq (scripts/bench.sh;
#                 env RUNS, SIZES, TRANSPORTS, QUICK=1, SECTIONS, BASE)

GO ?= go

.PHONY: perf bench

perf:
	@mkdir -p bin
	$(GO) build -o bin/ ./perf/...

bench:
	@scripts/bench.sh
