# trove-ts: common tasks. `make demo` sets up this host and runs the whole stack; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export TROVE_TEST_COUNTS ?= $(CURDIR)/.test-state/counts.jsonl

.PHONY: help setup install build lint typecheck test test-unit test-integration test-e2e images guest-image demo demo-stop bench packages clean

help:
	@echo "make demo          set up this Debian 12 host and run the stack (instance created with the stock CLI)"
	@echo "make test          unit + integration + e2e tests on real MariaDB, RabbitMQ and Docker"
	@echo "make setup         install and start what the tests need (idempotent)"
	@echo "make build | lint | test-unit | test-integration | test-e2e | images | bench | packages"

setup:
	@.ci/setup-host

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

install: node_modules/.package-lock.json

build: install
	@node_modules/.bin/tsc -p tsconfig.json
	@chmod +x dist/controller/*/main.js dist/guestagent/main.js

typecheck: install
	@node_modules/.bin/tsc -p tsconfig.json --noEmit

lint: install
	@node_modules/.bin/eslint .

test: setup build lint
	@mkdir -p .test-state && : > $(TROVE_TEST_COUNTS)
	@rc=0; \
	test/helpers/run-suite.sh unit 20000 || rc=1; \
	test/helpers/run-suite.sh integration 600000 || rc=1; \
	test/helpers/run-suite.sh e2e 1800000 || rc=1; \
	node test/helpers/sum-counts.mjs $(TROVE_TEST_COUNTS); exit $$rc

test-unit: build
	@test/helpers/run-suite.sh unit 20000

test-integration: setup build
	@test/helpers/run-suite.sh integration 600000

test-e2e: setup build
	@test/helpers/run-suite.sh e2e 1800000

demo:
	@.ci/demo start

demo-stop:
	@.ci/demo stop

images:
	@.ci/lib/ensure-docker.sh
	@images/datastores/mariadb/build
	@images/datastores/postgresql/build

clean:
	rm -rf dist .test-state

# Controller .deb and .rpm under build/packages/ (clean npm ci + tsc of the committed tree); docs/packaging.md.
packages:
	@controller/packaging/build

# The guest image (qcow2 + kernel + initrd) under /var/lib/trove/images/, reused while its inputs are
# unchanged; GUEST_IMAGE_ARGS passes options, e.g. "--dev-mode" or "--preload-image trove/mariadb:10.11".
guest-image:
	@images/guest/build $(GUEST_IMAGE_ARGS)
