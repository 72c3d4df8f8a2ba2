# The human entry points. CMake does the real work; see README.md.
#   make          build into build/
#   make test     install what is missing, build, run every test (ends with ctest's summary)
#   make run      install, build, fetch MNIST, train with the default config
#   make data     fetch MNIST into data/MNIST/raw/
# A fresh Debian has no make: scripts/deps.sh build (or apt-get install make) comes first.
# CI: .ci/run, described in docs/ci.md.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: all build deps deps-test test run data bench format clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

data: deps
	@BUILD=$(BUILD) scripts/fetch-mnist.sh data

run: build data
	./$(BUILD)/mnist_00

bench: build
	@bench/run.sh $(BUILD)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
