# AMP: two commands do everything on a fresh Debian 12 machine.
#   make run    install what is missing, build (Release), start the server with the demo model on 127.0.0.1:8080
#   make test   install what is missing, build, run every test (unit + end-to-end), then again under ASan+UBSan
# Other targets: build, bench, format, clean.

BUILD_DIR ?= build/release
TEST_DIR ?= build/test
ASAN_DIR ?= build/asan
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./amp-data
CTEST_ARGS ?=

.PHONY: run build deps test test-unit test-asan bench format clean

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j$(JOBS) amp

run: build
	$(BUILD_DIR)/amp serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: deps test-unit test-asan

# Release-optimised with assertions on and warnings as errors: the configuration the suite runs in.
test-unit:
	/usr/bin/python3 scripts/check_layers.py
	cmake -S . -B $(TEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMP_WERROR=ON
	ninja -C $(TEST_DIR) -j$(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure --timeout 900 $(CTEST_ARGS)

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAMP_SANITIZE=ON -DAMP_WERROR=ON
	ninja -C $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure --timeout 900 $(CTEST_ARGS)

bench:
	@scripts/install-deps.sh --bench
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	ninja -C $(BUILD_DIR) -j$(JOBS) amp
	bench/predict.sh $(BUILD_DIR)/amp

format:
	find src -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
