# make test   - everything CI runs: deps, format, vet, staticcheck, unit and
#               conformance tests with -race, cross-builds, the windows/amd64
#               tests under Wine, interop with libzmq, perf tool smoke tests.
# make bench  - the side-by-side comparison with libzmq (the main job).
# make perf   - builds the perf tools into bin/.
# make load   - the load and soak tests of load/ (E3-E5, D9, §6.5): about 4
#               minutes, 10,000 connections; not part of make test.
#               LOAD_SOAK=30m lengthens the soak (default 2m), LOAD_D9
#               the CURVE slow-consumer test (default 1m).
# make chaos  - the fault tests of chaos/ (root, iproute2, nftables): peers
#               killed, frozen, cut off; see RELIABILITY.md. Not part of test.

GO ?= go
STATICCHECK_VERSION := v0.8.2
GOBIN := $(shell $(GO) env GOPATH)/bin

.PHONY: test deps fmt vet staticcheck unit cross wine interop perf-smoke fuzz-smoke load chaos

test: deps fmt vet staticcheck unit cross wine interop perf-smoke fuzz-smoke

deps:
	@scripts/deps.sh

fmt:
	@out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags load ./load/
	$(GO) vet -tags chaos ./chaos/...
	cd interop && $(GO) vet ./...

staticcheck:
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...
	$(GOBIN)/staticcheck -tags load ./load/
	$(GOBIN)/staticcheck -tags chaos ./chaos/...

unit:
	$(GO) test -race -shuffle=on -count=1 -timeout 15m ./...

cross:
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=linux GOARCH=386 $(GO) build ./...

# The windows/amd64 tests under Wine, over tcp and inproc (WINDOWS.md).
wine:
	@scripts/wine-test.sh

interop:
	cd interop && CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 15m ./...

perf-smoke: perf
	@scripts/perf-smoke.sh

# Short fuzzing of every target, seeded from testdata and the encoders. The
# budget is a count of runs: a duration makes Go 1.26's fuzzing coordinator
# fail now and then with "context deadline exceeded" at its end
# (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 300000x
FUZZ_PKGS := ./internal/zmtp ./internal/transport . ./auth
fuzz-smoke:
	@for p in $(FUZZ_PKGS); do \
		for t in $$($(GO) test -list '^Fuzz' $$p | grep ^Fuzz); do \
			echo "fuzz $$p $$t"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$p 2>&1) || { echo "$$out"; exit 1; }; \
		done; done

# The load and soak tests (load/, build tag "load"). They need pyzmq for
# the libzmq comparison, which deps installs.
load: deps
	$(GO) test -tags load -count=1 -timeout 20m -v ./load/
# The fault tests: they need root, ip, ss and nft, and build a peer program.
# CHAOS_SSK_DURATION (10s), CHAOS_BLACKHOLE (4s) and CHAOS_SIGSTOP (3s)
# lengthen the faults, up to the checklist's 60s, 30s and 10s.
chaos: deps
	$(GO) test -tags chaos -count=1 -timeout 30m -v ./chaos/

-include perf/perf.mk
