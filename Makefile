# fanbench — the two commands a newcomer needs: `make demo` and `make test`.
GO      ?= go
BIN     := bin/fanbench
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BENCHTIME ?= 2x
COUNT   ?= 5

.PHONY: build test demo bench bench-smoke fuzz clean assets

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/fanbench

## test: formatting, vet, the race-enabled test suite, a short fuzz and a benchmark smoke
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@# -p 1: one package at a time. The end-to-end tests assert latencies
	@# within a few ms of the ideal (a 2-core machine, under -race); another
	@# package's tests on the other core would eat that margin.
	$(GO) test -race -count=1 -p 1 -timeout 9m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=10s
	$(MAKE) --no-print-directory bench-smoke

## demo: run the built-in default scenario and print the comparison
demo: build
	./$(BIN) run --scenario quick --out fanbench-out/demo --force

## bench: benchstat-ready end-to-end benchmarks in bench.txt
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./bench/ | tee bench.txt

## bench-smoke: every benchmark of every package once, so none rots (make test runs it)
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./...

FUZZTIME ?= 30s
## fuzz: the scenario decoder's native fuzz test (make fuzz FUZZTIME=5m for longer)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./scenarios/

## assets: refresh the charting library embedded in the binary (uPlot, from
## the npm registry, pinned; its licence is kept beside it). Never edit the
## copies by hand: change UPLOT_VERSION and rerun.
UPLOT_VERSION ?= 1.6.32
UPLOT_DIR     := reports/charts/uplot
assets:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent "uplot@$(UPLOT_VERSION)" >/dev/null && tar xzf "uplot-$(UPLOT_VERSION).tgz") && \
	mkdir -p $(UPLOT_DIR) && \
	cp "$$tmp/package/dist/uPlot.iife.min.js" "$$tmp/package/dist/uPlot.min.css" "$$tmp/package/LICENSE" $(UPLOT_DIR)/ && \
	echo "uplot@$(UPLOT_VERSION)" > $(UPLOT_DIR)/VERSION && \
	echo "assets: $(UPLOT_DIR) now holds uplot@$(UPLOT_VERSION)"

clean:
	rm -rf bin fanbench-out bench.txt
