# koban: the two commands in the README do everything on a fresh Debian 12.
#   make demo   install what is needed, build, triage the bundled example company
#   make check  install what is needed, build, run every test
BUILD ?= build
KOBAN = $(BUILD)/src/cli/koban

# Debian packages koban builds and tests with.
DEPS = gcc pkg-config meson ninja-build libsqlite3-dev libjansson-dev libyajl-dev \
       libcsv-dev libexpat1-dev libyaml-dev libcmocka-dev sqlite3 dpkg-dev python3 \
       libdeflate-dev zlib1g-dev libssl-dev \
       libzstd-dev libbz2-dev liblzma-dev libisal-dev libpcap-dev tzdata
# Extra for `make fuzz` (libFuzzer) and `make bench`.
FUZZ_DEPS = clang libclang-rt-14-dev
BENCH_DEPS = sqlite3 time python3 zstd xz-utils bzip2 pigz isal nfdump

.PHONY: all deps build demo check sanitize fuzz bench clean

all: build

define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	  grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 2; \
	  else \
	    echo "koban needs these Debian packages; run:"; \
	    echo "  sudo apt-get install -y $$missing"; exit 2; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(DEPS))

$(BUILD)/build.ninja:
	meson setup $(BUILD)

# acme's artifacts (jars, wars, ears) and its network traffic (Zeek logs) are
# written by the project's own generators, never committed.
build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)
	python3 examples/acme/gen-artifacts.py examples/acme/artifacts
	python3 examples/acme/gen-flows.py examples/acme/flows

# triage exits 1 when it finds something (acme has public management interfaces).
demo: build
	@$(KOBAN) triage examples/acme; rc=$$?; [ $$rc -le 1 ]

check: build
	meson test -C $(BUILD) --print-errorlogs

sanitize: deps
	[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	meson test -C build-asan --print-errorlogs

fuzz: deps
	$(call install_missing,$(FUZZ_DEPS))
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -Db_lundef=false
	ninja -C build-fuzz
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} fuzz/run-all.sh build-fuzz

bench: build
	$(call install_missing,$(BENCH_DEPS))
	bench/ledger-import.sh $(KOBAN)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
