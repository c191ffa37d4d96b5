# Makefile fragment for the perf tools; the top-level Makefile includes it.
#   make perf   - builds the seven perf tools (libzmq's command lines and
#                 output) into bin/
#   make bench  - side-by-side comparison with libzmq (scripts/bench.sh;
#                 env RUNS, SIZES, TRANSPORTS, QUICK=1)

GO ?= go

.PHONY: perf bench

perf:
	@mkdir -p bin
	$(GO) build -o bin/ ./perf/...

bench:
	@scripts/bench.sh
