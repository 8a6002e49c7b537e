# labelq front door. On a fresh Debian 12 machine, `make demo` or `make test`
# is the only command you need: each installs what is missing, then builds.
#
#   make / make build    configure and build into build/
#   make deps            install missing Debian packages (deploy/install-deps.sh)
#   make test            build, then run the whole test suite (ctest); a
#                        test this machine cannot run shows as skipped
#   make test SANITIZE=1 the same with ASan + UBSan, in build-asan/
#   make demo            start a daemon, label the sample dataset, export it
#   make bench           the labeling loop, the quality engine and make compare
#   make bench-scale     labelqd with SCALE_TASKS pending tasks (default
#                        10,000,000; about 5 minutes and 4 GB in TMPDIR):
#                        memory, restart, lease cost, import and export speed
#   make bench-parked    1,000 and 10,000 annotators parked in long polls:
#                        memory per connection, time for an import to wake
#                        one (bench/parked.sh, about 1.5 minutes)
#   make bench-hostile   a bystander's latency and labelqd's memory while a
#                        client floods unread requests or sends huge
#                        unauthenticated frames (bench/hostile.sh, ~20 s)
#   make compare         labelqd vs beanstalkd and Redis Streams (bench/compare.sh)
#   make memcheck        build, then run part of the integration suite with
#                        labelqd under valgrind; fails on any valgrind error
#                        (several minutes; tests/memcheck/run.sh)
#   make fuzz            build the libFuzzer targets with clang and run each for
#                        FUZZ_SECONDS (default 60); see tests/fuzz/run.sh
#   make install         install the programs under PREFIX (default /usr/local)
#   make clean           remove build directories and demo output
#
# WERROR=1 (or CI=true) turns compiler warnings into errors.

PREFIX ?= /usr/local
# Keep the sub-makes that cmake --build runs from printing directory changes.
MAKEFLAGS += --no-print-directory
JOBS   := $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
  BUILD_DIR := build-asan
  SANITIZE_FLAG := ON
else
  BUILD_DIR := build
  SANITIZE_FLAG := OFF
endif

ifneq ($(filter 1,$(WERROR))$(filter true,$(CI)),)
  WERROR_FLAG := ON
else
  WERROR_FLAG := OFF
endif

# Flags are passed on every configure so that a value left in CMakeCache.txt
# by an earlier run (say WERROR=1) does not stick.
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo \
               -DLABELQ_WERROR=$(WERROR_FLAG) \
               -DLABELQ_SANITIZE=$(SANITIZE_FLAG)

.PHONY: all build deps test memcheck demo bench bench-scale bench-parked bench-hostile compare fuzz install clean

all: build

deps:
	bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

# CTEST_ARGS passes ctest options through, e.g. CTEST_ARGS="-LE fuzz".
# The results also go to $(BUILD_DIR)/ctest-junit.xml, from which
# tests/check_tests.py names each skipped test with its reason.
# EXPECT_TESTS=RUN (what .ci/run does) then also fails unless every test
# passed, none skipped, and as many as tests/expected-tests gives for RUN.
JUNIT = $(CURDIR)/$(BUILD_DIR)/ctest-junit.xml
test: build
	rm -f $(JUNIT)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 --output-junit $(JUNIT) $(CTEST_ARGS)
	/usr/bin/python3 tests/check_tests.py $(JUNIT) $(EXPECT_TESTS)

# Not part of `make test`: valgrind makes these tests several times slower.
memcheck: build
	bash tests/memcheck/run.sh $(BUILD_DIR)

demo: build
	BUILD_DIR=$(BUILD_DIR) bash deploy/demo.sh

# The whole benchmark the speed issue asks for, well under 10 minutes here:
# the labeling loop, the quality engine, and the comparison with beanstalkd
# and Redis Streams (compare.sh installs them if missing).
bench: build
	BUILD_DIR=$(BUILD_DIR) bash bench/run.sh
	BUILD_DIR=$(BUILD_DIR) bash bench/quality.sh
	BUILD_DIR=$(BUILD_DIR) bash bench/compare.sh

# bench/scale.sh: a deep queue (SCALE_TASKS, default 10,000,000; e.g.
# SCALE_TASKS=100000 for a quick look). Not part of `make bench`.
bench-scale: build
	BUILD_DIR=$(BUILD_DIR) bash bench/scale.sh

bench-parked: build
	BUILD_DIR=$(BUILD_DIR) bash bench/parked.sh

bench-hostile: build
	BUILD_DIR=$(BUILD_DIR) bash bench/hostile.sh

# bench/compare.sh alone: labelqd next to beanstalkd and Redis Streams
# (installs them, hiredis and perf if missing). About 1.5 minutes.
compare: build
	BUILD_DIR=$(BUILD_DIR) bash bench/compare.sh

fuzz: build
	bash tests/fuzz/run.sh all $(BUILD_DIR) $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf build build-asan demo-out
