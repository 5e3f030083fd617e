# lake — build, demo, test and benchmark entry points.
#   make demo    install what is missing, build release, run a short demonstration
#   make test    install, build, run the Swift unit tests and the interop tests
#   make bench   benchmarks against peers (pyarrow, delta-rs), printing ratios
#   make fuzz    run the libFuzzer targets for the readers of untrusted bytes (FUZZ_SECONDS each, default 300)

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
	PYTHON=$(PY) bash bench/ingest.sh
	PYTHON=$(PY) bash bench/scan.sh
	PYTHON=$(PY) bash bench/log_depth.sh
	PYTHON=$(PY) bash bench/maintenance.sh
	PYTHON=$(PY) bash bench/compact.sh
	PYTHON=$(PY) bash bench/compact.sh --zorder id,amount
	PYTHON=$(PY) bash bench/dml.sh
	PYTHON=$(PY) bash bench/changes.sh
	PYTHON=$(PY) bash bench/quality.sh

# libFuzzer over the readers of untrusted bytes: Parquet files (seeded with the conformance
# fixtures), Delta log files — commits, Parquet checkpoints, _last_checkpoint (seeded with the
# fixture tables' logs) — and CSV/NDJSON inputs.
# FUZZ_SECONDS each; FUZZ_TARGETS picks a subset.
FUZZ_TARGETS ?= ParquetFuzz LogFuzz IngestFuzz
fuzz: deps
	mkdir -p fuzz-corpus/ParquetFuzz fuzz-corpus/LogFuzz fuzz-corpus/IngestFuzz
	cp -n ../shared/fixtures/parquet-testing/*.parquet Fixtures/*.parquet fuzz-corpus/ParquetFuzz/ 2>/dev/null || true
	for f in ../shared/fixtures/delta-tables/*/_delta_log/*.json ../shared/fixtures/delta-tables/*/_delta_log/*.checkpoint*.parquet \
	         ../shared/fixtures/delta-tables/*/_delta_log/_last_checkpoint; do \
	  [ -f "$$f" ] && [ $$(stat -c %s "$$f") -le 65536 ] && cp -n "$$f" "fuzz-corpus/LogFuzz/$$(echo $$f | tr / _)" 2>/dev/null || true; done
	printf 'a,b,c\n1,"x ""y""",2.5\n' > fuzz-corpus/IngestFuzz/seed.csv
	printf '{"a": 1, "i": [1, null], "j": {"x": "y"}, "k": {"z": 2}}\n' > fuzz-corpus/IngestFuzz/seed.json
	printf '{"a":1,"b":"x\\u00e9\\ud83d\\ude00","A":2,"j":{"x":"1","x":null},"k":{"z":1,"z":2}}\n{"B":"y","a":3,"g":true}\n\n{"c":1e999,"d":"12.5"}\r\n' > fuzz-corpus/IngestFuzz/seed-keys.json
	for t in $(FUZZ_TARGETS); do \
	  swift build -c debug --product $$t --scratch-path .build-fuzz \
	    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library && \
	  .build-fuzz/debug/$$t fuzz-corpus/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 || exit 1; \
	done

clean:
	rm -rf .build .build-fuzz $(VENV)
