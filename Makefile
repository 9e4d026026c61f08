# AMP: two commands do everything on a fresh Debian 12 machine.
#   make run    install what is missing, build (Release) and the web console, start the server with the demo model
#               on 127.0.0.1:8080 (the console at http://127.0.0.1:8080/)
#   make test   install what is missing, build, run the end-to-end tests against the optimised binary, then build
#               again under ASan+UBSan and run every test (unit + end-to-end), then each libFuzzer target for about
#               a minute
# Other targets: build, bench, format, clean.

BUILD_DIR ?= build/release
TEST_DIR ?= build/test
ASAN_DIR ?= build/asan
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= ./amp-data
CTEST_ARGS ?=

FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= -1
FUZZ_SEED ?= 20261128

.PHONY: run build deps web test test-release test-asan fuzz bench format clean

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

# The web console (web/, served by `amp serve` from web/dist): type-checked and bundled by Vite.
web:
	cd web && npm run build

build: deps web $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j$(JOBS) amp

run: build
	$(BUILD_DIR)/amp serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: deps test-release test-asan fuzz

# The binaries as shipped (-O2, warnings as errors) under every end-to-end test: the web console, the deployment
# around the server, the parity and accuracy checks. The C++ unit tests are built and run once, in the sanitizer build
# below (AMP_UNIT_TESTS=OFF here): compiling them twice cost about four minutes of `make test`. For a quick local run
# of the unit tests alone: `make test-asan CTEST_ARGS="-L unit"`.
test-release: web
	/usr/bin/python3 scripts/check_layers.py
	cmake -S . -B $(TEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
		-DAMP_WERROR=ON -DAMP_UNIT_TESTS=OFF
	ninja -C $(TEST_DIR) -j$(JOBS)
	cd $(TEST_DIR) && ctest -j$(JOBS) --output-on-failure --timeout 900 $(CTEST_ARGS)

# The unit tests and the end-to-end tests with AddressSanitizer and UndefinedBehaviorSanitizer (all but the tests
# labelled `unsanitized`, whose subject is not AMP's C++: see CMakeLists.txt), built by clang (the other compiler, with
# -Wthread-safety) unoptimised: clang compiles it in half gcc's time. The same build carries libFuzzer's coverage
# instrumentation and the fuzz targets, so `make fuzz` after it builds nothing. Line tables only (-g1) in both
# builds: enough for every stack trace, a third of the compile time of full debug information.
SANITIZER_CMAKE = CC=clang CXX=clang++ cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	-DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" -DAMP_SANITIZE=ON -DAMP_FUZZ=ON -DAMP_WERROR=ON -DAMP_UNIT_TESTS=ON

test-asan:
	$(SANITIZER_CMAKE)
	ninja -C $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/tests/ubsan.supp \
		ctest -j$(JOBS) --output-on-failure --timeout 900 -LE unsanitized $(CTEST_ARGS)

# Each libFuzzer target runs for FUZZ_SECONDS (60 s: the issue's bar for CI; or FUZZ_RUNS inputs when set) from the
# seed corpus in fuzz/corpus/<target>, with a fixed seed, JOBS targets at a time (scripts/run-fuzzers.sh). A crash, a
# sanitizer report or a hang fails the run and leaves the input in $(ASAN_DIR).
# Longer: `make fuzz FUZZ_SECONDS=600 FUZZ_SEED=0`.
fuzz:
	$(SANITIZER_CMAKE)
	ninja -C $(ASAN_DIR) -j$(JOBS) amp_csv_scanner_fuzz amp_prediction_body_fuzz amp_request_parser_fuzz \
		amp_kserve_v2_codec_fuzz amp_onnx_graph_fuzz
	FUZZ_DIR=$(ASAN_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SEED=$(FUZZ_SEED) JOBS=$(JOBS) \
		scripts/run-fuzzers.sh csv_scanner prediction_body request_parser kserve_v2_codec onnx_graph

# The serving benchmarks of docs/benchmarks.md, each printing its contenders side by side and the ratios:
# prediction throughput and latency (AMP, nginx, FastAPI, AMP over TLS, a tree model), instructions per request
# under callgrind (AMP and nginx), p99 while swapping versions, throughput through nginx with 1-3 replicas, many
# models in one server, tree predictors, monitoring on vs off; and the training benchmarks: accuracy against
# scikit-learn / XGBoost on real data, speed on a 1,000,000 x 20 table.
bench:
	@scripts/install-deps.sh --bench
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	ninja -C $(BUILD_DIR) -j$(JOBS) amp amp_tree_bench
	bench/predict.sh $(BUILD_DIR)/amp --fastapi --tls --trees
	bench/callgrind.sh $(BUILD_DIR)/amp 5000
	/usr/bin/python3 bench/swap.py --amp $(BUILD_DIR)/amp
	/usr/bin/python3 bench/replicas.py --amp $(BUILD_DIR)/amp
	/usr/bin/python3 bench/many_models.py --amp $(BUILD_DIR)/amp --models 1000 --cached 100
	/usr/bin/python3 bench/train_auto.py --amp $(BUILD_DIR)/amp
	$(BUILD_DIR)/amp_tree_bench
	/usr/bin/python3 bench/monitoring.py --amp $(BUILD_DIR)/amp
	/usr/bin/python3 bench/train_accuracy.py --amp $(BUILD_DIR)/amp
	/usr/bin/python3 bench/train_speed.py --amp $(BUILD_DIR)/amp

format:
	find src -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
