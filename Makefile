# lake — build, demo, test and benchmark entry points.
#   make demo    install what is missing, build release, run a short demonstration
#   make test    install, build, run the Swift unit tests and the interop tests
#   make bench   benchmarks against peers (pyarrow, delta-rs), printing ratios
#   make fuzz    run the libFuzzer target for the Parquet reader (FUZZ_SECONDS, default 300)

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
LAKE := .build/release/lake
DEBIAN_PACKAGES := libzstd-dev libsnappy-dev liblz4-dev zlib1g-dev libsqlite3-dev pkg-config
FUZZ_SECONDS ?= 300

.PHONY: deps build release venv demo test unit-test interop-test bench fuzz clean

# Debian packages for the codec libraries (skipped when already installed).
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build --build-tests

release: deps
	swift build -c release

# The interop test environment: pyarrow, DuckDB (+ delta extension), polars, delta-rs.
$(VENV)/.installed: Tests/Interop/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r Tests/Interop/requirements.txt
	touch $@

venv: $(VENV)/.installed

demo: release
	bash scripts/demo.sh

unit-test: build
	swift test --skip-build

interop-test: release venv
	LAKE_BIN=$(CURDIR)/$(LAKE) $(PY) -m pytest Tests/Interop -q

test: unit-test interop-test

bench: release venv
	PYTHON=$(PY) bash bench/parquet_rw.sh
	PYTHON=$(PY) bash bench/table_open.sh

# libFuzzer over the Parquet reader, seeded with the conformance fixtures.
fuzz: deps
	swift build -c debug --product ParquetFuzz --scratch-path .build-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library
	mkdir -p fuzz-corpus
	cp -n ../shared/fixtures/parquet-testing/*.parquet Fixtures/*.parquet fuzz-corpus/ 2>/dev/null || true
	.build-fuzz/debug/ParquetFuzz fuzz-corpus -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048

clean:
	rm -rf .build .build-fuzz $(VENV)
