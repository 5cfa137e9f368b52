# anycastdns — build, test and benchmark targets.
#
#   make test        the whole suite: installs missing test tools (Debian packages, as root),
#                    then gofmt -l, go vet, staticcheck, go test -race, and short fuzz runs
#   make build       the static binary in bin/anycastdns
#   make run         serve the built-in example zones on 127.0.0.1:5353 and [::1]:5353
#   make bench       dnsperf against anycastdns, NSD and Knot DNS side by side (cmd/benchdns)
#   make bench-transfer  the three as secondaries of one Knot primary: AXFR, IXFR, p99 meanwhile
#   make bench-reload    dnsperf at 20k qps against anycastdns during 60 configuration reloads
#   make bench-go    the Go benchmarks, with allocations
#   make bench-load  load time and memory of the signed root zone: anycastdns beside NSD
#   make lab         the routed anycast lab (root): BIRD 2 and two PoPs in network namespaces;
#                    make lab LAB_ROUTER=frr runs it with FRR as the router,
#                    make lab LAB_RUNTIME=podman runs the PoPs from the image
#   make image       the container image (FROM scratch, the static binary only) with podman or docker

GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
GOFMT       := $(shell $(GO) env GOROOT)/bin/gofmt
STATICCHECK_VERSION := v0.8.2
# Fuzz budgets are counts of executions, not durations: with a duration, Go 1.26's fuzz
# coordinator can fail a clean run with "context deadline exceeded" (golang/go#75804,
# fixed in Go 1.27). Each is a few seconds on an idle 2-core machine.
FUZZ_READ_EXECS    ?= 50000x
FUZZ_RESPOND_EXECS ?= 200000x
FUZZ_READ_FAST_EXECS ?= 50000x
ROOT_ZONE   ?= zone/testdata/root.zone

# Debian packages the tests use: dig (dnsutils), kdig and knotd (the differential test's
# reference server), nsd-checkzone (the `check` compatibility test), GNU time (bench-load),
# for the routed lab BIRD 2 and FRR (the two routers it runs), nftables and iproute2
# (unshare, from util-linux, is always there), for the image test podman and runc,
# systemd-analyze for the unit's test, dnsperf for make bench, and for DNSSEC
# dnssec-keygen and dnssec-signzone (bind9-utils) to sign zones (tests, and the nsec3 suite
# of make bench), unbound and delv (bind9-dnsutils) to validate the answers, and the
# verifiers `check` is compared with: dnssec-verify (bind9-utils), ldns-verify-zone
# (ldnsutils), kzonecheck (knot-dnssecutils); named (bind9) as a primary and a secondary
# in the zone-transfer tests; promtool (prometheus) to check and unit-test the alert rules
# and the dashboard's queries of deploy/monitoring.
TEST_PACKAGES := dnsutils knot-dnsutils knot nsd time bird2 frr nftables iproute2 podman runc systemd dnsperf bind9-utils bind9-dnsutils unbound ldnsutils knot-dnssecutils bind9 prometheus
TEST_TOOLS    := dig kdig knotd nsd-checkzone /usr/bin/time bird birdc /usr/lib/frr/bgpd vtysh nft ip podman runc systemd-analyze dnsperf dnssec-keygen dnssec-signzone delv unbound dnssec-verify ldns-verify-zone kzonecheck named promtool

# The container image (deploy/Containerfile) and the engine that builds it: podman, or
# docker where an engine runs. LAB_RUNTIME=podman runs the lab's PoPs from the image.
IMAGE       ?= localhost/anycastdns:latest
ENGINE      ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
LAB_RUNTIME ?= binary
# LAB_ROUTER=frr runs the lab with FRR instead of BIRD (TestLabFRR instead of TestLab).
LAB_ROUTER  ?= bird

.PHONY: all build run test deps vet staticcheck race fuzz bench bench-quick bench-transfer bench-reload bench-go bench-load lab image clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/anycastdns ./cmd/anycastdns

run:
	$(GO) run ./cmd/anycastdns serve

test: deps vet staticcheck race fuzz

# deps installs what the tests need when it is missing: Debian packages (needs root, as in
# CI) and staticcheck from the Go module proxy.
deps:
	@missing=""; for t in $(TEST_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "missing test tools:$$missing; installing $(TEST_PACKAGES)"; \
		if [ "$$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install -y $(TEST_PACKAGES)" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEST_PACKAGES) >/dev/null; \
	fi
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GO) mod download

# vet also fails on a Go file gofmt would change.
vet:
	@unformatted=$$($(GOFMT) -l $$(find . -name '*.go' -not -path './vendor/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

# The routed lab measures failover times, so it runs on its own, after the other
# packages, instead of sharing the two cores with them.
race:
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v '/deploy/lab$$')
	$(GO) test -race -count=1 -timeout 15m ./deploy/lab

# A short run of each fuzz target (go test -fuzz takes one target per run).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZ_READ_EXECS) ./zone/zonefile
	$(GO) test -run '^$$' -fuzz '^FuzzReadFast$$' -fuzztime $(FUZZ_READ_FAST_EXECS) ./zone/zonefile
	$(GO) test -run '^$$' -fuzz '^FuzzRespond$$' -fuzztime $(FUZZ_RESPOND_EXECS) ./server

# bench measures anycastdns beside NSD and Knot DNS with dnsperf (cmd/benchdns): the mix,
# root, nsec3, zone-size and transfer suites, medians of 3 alternated rounds, about 25
# minutes (the nsec3 suite signs its zone first). Run it on an otherwise idle machine.
# More flags: make bench BENCHFLAGS='-suite mix -rounds 5'
bench: build deps
	$(GO) run ./cmd/benchdns -anycastdns bin/anycastdns $(BENCHFLAGS)

# bench-transfer is the transfer suite alone (about 7 minutes): the three servers as
# secondaries of one Knot primary, AXFR and IXFR times and p99 during an AXFR.
bench-transfer: build deps
	$(GO) run ./cmd/benchdns -anycastdns bin/anycastdns -suite transfer $(BENCHFLAGS)

# bench-reload is dnsperf at 20k qps for 60 s against anycastdns alone, idle and during 60
# configuration reloads (SIGHUP), each adding or removing a zone and a listen address and
# changing the identity: the queries lost (issue 14: none).
bench-reload: build deps
	$(GO) run ./cmd/benchdns -anycastdns bin/anycastdns -servers anycastdns -suite reload $(BENCHFLAGS)

# bench-quick is a one-minute smoke run of the same.
bench-quick: build deps
	$(GO) run ./cmd/benchdns -anycastdns bin/anycastdns -quick $(BENCHFLAGS)

# bench-go runs the Go benchmarks (lookup, packet path, zone loading; allocations).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./zone/... ./server

# bench-load prints the load time and peak memory of the signed root zone for
# `anycastdns check` and `nsd-checkzone` (which parses and builds NSD's in-memory
# database the same way nsd does at start), then the Go benchmark of zone.Load. The
# check runs as serve loads: without verifying each signature (nsd-checkzone verifies
# none), at a moment the root zone's signatures were valid.
bench-load: build deps
	@printf '%-28s %10s %12s\n' "loader (3 runs each)" "seconds" "max RSS MiB"
	@for i in 1 2 3; do \
		for cmd in "bin/anycastdns check -verify=false -time 20230512000000 $(ROOT_ZONE) ." "nsd-checkzone . $(ROOT_ZONE)"; do \
			/usr/bin/time -f "%e %M" -o /tmp/anycastdns-bench-load.$$$$ $$cmd >/dev/null; \
			read s kb < /tmp/anycastdns-bench-load.$$$$; \
			printf '%-28s %10s %12d\n' "$${cmd%% *}" "$$s" "$$((kb / 1024))"; \
		done; \
	done; rm -f /tmp/anycastdns-bench-load.$$$$
	$(GO) test -run '^$$' -bench '^BenchmarkLoadRoot$$' -benchmem -count 3 ./zone

# lab: the routed anycast lab (needs root: network namespaces, BIRD 2 or FRR, nftables).
# It prints the failover table and writes it, an SVG timeline and a CSV of queries per
# scenario, and the router's and PoPs' logs to bin/lab/ (bin/lab-frr/ with FRR). `make
# test` runs the same test with both routers (TestLab, TestLabFRR) as part of go test.
lab: build deps $(if $(filter podman,$(LAB_RUNTIME)),image)
	@if [ "$$(id -u)" != 0 ]; then echo "make lab needs root (network namespaces)" >&2; exit 1; fi
	@case "$(LAB_ROUTER)" in bird|frr) ;; *) echo "LAB_ROUTER=$(LAB_ROUTER): want bird or frr" >&2; exit 1;; esac
	ANYCASTDNS_LAB_BIN=$(CURDIR)/bin/anycastdns ANYCASTDNS_LAB_OUT=$(CURDIR)/bin/lab$(if $(filter podman,$(LAB_RUNTIME)),-podman) \
	ANYCASTDNS_LAB_RUNTIME=$(LAB_RUNTIME) ANYCASTDNS_LAB_IMAGE=$(if $(filter podman,$(LAB_RUNTIME)),$(IMAGE)) \
		$(GO) test -count=1 -v -timeout 10m -run '^TestLab$(if $(filter frr,$(LAB_ROUTER)),FRR)$$' ./deploy/lab

# image: the container image, FROM scratch with the static binary of `make build` only
# (deploy/Containerfile; the build context is bin/). Prints the image's size.
image: build
	$(ENGINE) build -f deploy/Containerfile -t $(IMAGE) bin
	@$(ENGINE) image inspect -f '{{.Size}}' $(IMAGE) | awk '{ printf "image $(IMAGE): %.1f MB\n", $$1 / 1e6 }'

clean:
	rm -rf bin
