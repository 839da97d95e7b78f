# Checkpoint: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what they need first (scripts/deps.sh, idempotent).

GO ?= go
BIN := bin
# Build tags of every build and test (scripts/go-tags says why, README
# "Memory"): fyne without its emoji font and without system font scanning.
export GOFLAGS := -tags=$(shell sed '/^#/d' scripts/go-tags)

.PHONY: deps demo build test lint fuzz bench screenshots package clean

deps:
	bash scripts/deps.sh

build: deps
	$(GO) build -o $(BIN)/ ./cmd/...

# Runs the terminal. With no config it starts in demo mode.
demo: build
	./$(BIN)/checkpoint $(ARGS)

test:
	bash scripts/test.sh

lint: deps
	bash scripts/tools.sh
	$(GO) vet ./...
	$$($(GO) env GOPATH)/bin/staticcheck ./...

fuzz: deps
	FUZZTIME=$${FUZZTIME:-2m} bash scripts/fuzz.sh

bench: deps
	bash scripts/bench.sh

# PNGs of the guard's screen in both languages, from the real binary under Xvfb.
screenshots: build
	bash scripts/screenshots.sh

# Debian packages checkpoint-terminal and checkpoint-hub into out/ (see README,
# "Install on a kiosk").
package: deps
	bash scripts/package.sh

clean:
	rm -rf $(BIN) out
