# The README's two commands: `make run` and `make test`. Each installs what is missing first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps build release bench conformance pg-check clean

# libedit (line editing) is linked by the REPL; tmux drives the terminal test; psql
# (postgresql-client) and python3 with venv drive the PostgreSQL protocol tests, which install
# psycopg from PyPI into .build/pgvenv themselves.
deps:
	@if ! pkg-config --exists libedit 2>/dev/null || ! command -v tmux >/dev/null 2>&1; then \
		echo "Installing libedit-dev, pkg-config and tmux with apt-get…"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libedit-dev pkg-config tmux; \
	fi
	@if ! command -v psql >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then \
		echo "Installing postgresql-client, python3 and python3-venv with apt-get…"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-client python3 python3-venv; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# `make run ARGS="--data mydb"` passes options to cutaway.
run: deps
	$(SWIFT) build -c release --product cutaway
	.build/release/cutaway $(ARGS)

test: deps
	$(SWIFT) build
	$(SWIFT) test

bench: release
	.build/release/cutaway-bench all

# The psql and psycopg stories against PostgreSQL 15 itself (initdb/pg_ctl on PATH; a
# developer's check, not part of `make test`).
pg-check: build
	$(SWIFT) test --filter PsqlScriptTests
	bash Tests/PGWireTests/check-against-postgres.sh

# The SQL behaviour cases in ../shared (a developer's check, not part of `make test`).
conformance: release
	../shared/tools/conformance

clean:
	rm -rf .build
