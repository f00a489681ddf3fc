# The two commands a fresh Debian 12 machine needs: `make demo` and `make test`.
# Each one installs what is missing (scripts/setup), configures, builds and runs.

JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CXX_SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.hpp' '*.cpp')

.PHONY: all setup build demo test asan asan-clang tsan fuzz bench format format-check clean

all: build

setup:
	@./scripts/setup

build/CMakeCache.txt: | setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: setup build/CMakeCache.txt
	cmake --build build -j $(JOBS)

# The live preview of docs/demo.md, scripted; DEMO_ARGS=--interactive to type yourself.
DEMO_ARGS ?=
demo: build
	./build/demo/tether_demo $(DEMO_ARGS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

# Unit, concurrency and integration suites under AddressSanitizer + UBSan.
asan: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTETHER_SANITIZE="address;undefined" \
	  -DTETHER_BUILD_BENCH=OFF -DTETHER_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS) --target tether_unit_tests tether_concurrency_tests tether_integration_tests tether_load_tests tether_coroutine_tests
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L 'unit|concurrency|integration|load|coroutine'

# The coroutine suite built by the second compiler (clang 14) under ASan +
# UBSan: coroutine code generation differs between compilers. Builds only the
# library and that suite.
asan-clang: setup
	cmake -S . -B build-asan-clang -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
	  -DTETHER_SANITIZE="address;undefined" -DTETHER_BUILD_BENCH=OFF -DTETHER_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)
	cmake --build build-asan-clang -j $(JOBS) --target tether_coroutine_tests
	cd build-asan-clang && ctest --output-on-failure -j $(JOBS) -L coroutine

# The same suites under ThreadSanitizer (the concurrency suite is written for it).
tsan: setup
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTETHER_SANITIZE=thread \
	  -DTETHER_BUILD_BENCH=OFF -DTETHER_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS) --target tether_unit_tests tether_concurrency_tests tether_integration_tests tether_load_tests
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -L 'unit|concurrency|integration|load'

# The libFuzzer targets (fuzz/), built by clang 14 with ASan + UBSan, each run
# for FUZZ_SECONDS from its seed corpus (which `make test` also replays).
FUZZ_SECONDS ?= 25
fuzz: setup
	cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTETHER_FUZZ=ON -DTETHER_BUILD_TESTS=OFF -DTETHER_BUILD_BENCH=OFF -DTETHER_BUILD_EXAMPLES=OFF \
	  -DTETHER_BUILD_DEMO=OFF -DTETHER_BUILD_CLI=OFF -DTETHER_INSTALL=OFF $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS)
	./scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

# Micro-benchmarks of the primitives, then Tether against raw libcurl over
# loopback (one table; see docs/performance.md), then the queue's abort cost
# and hedging against a slow tail (docs/patterns.md).
# Not part of `make test`: timing goals live here, never in tests. Builds only
# what it runs; the table, its JSON and the plot land in build/bench/.
bench: setup build/CMakeCache.txt
	cmake --build build -j $(JOBS) --target tether_bench_primitives tether_bench_http \
	  tether_bench_queue tether_bench_hedging tether_test_server
	./build/bench/tether_bench_primitives --benchmark_min_time=0.2
	./build/bench/tether_bench_http --json build/bench/http_bench.json
	python3 bench/plot.py build/bench/http_bench.json build/bench/http_bench.png
	./build/bench/tether_bench_queue
	./build/bench/tether_bench_hedging

format:
	clang-format -i $(CXX_SOURCES)

format-check:
	clang-format --dry-run -Werror $(CXX_SOURCES)

clean:
	rm -rf build build-asan build-asan-clang build-tsan build-fuzz
