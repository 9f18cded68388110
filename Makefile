# toffee: one entry point. `make` builds, `make test` tests, `make run` demos.
# Component fragments (*.mk) add to TARGETS / TESTS (see README.md).
.DEFAULT_GOAL := all
SHELL := /bin/bash
# Build on every core unless told otherwise (the Verilator testbenches
# dominate a clean `make test`); tests themselves run one at a time.
ifeq ($(filter -j% --jobs%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif

B       := build
CC      ?= cc
CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -fno-strict-aliasing -D_GNU_SOURCE -Iinclude -Ifirmware
# The Linux traces the tests replay (a copy of ../shared/traces, vendored so
# that a clean clone on any machine has them).
export TOFFEE_TRACES ?= $(CURDIR)/tests/data/traces/linux

SANFLAGS:= -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
DEPFLAGS = -MMD -MP

# Install missing Debian packages (idempotent, quiet when nothing is missing).
DEPS_STAMP := $(B)/.deps
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(B) && scripts/deps.sh build test sim system && touch $@
# On a fresh machine, install before anything is built in parallel (the
# rule above still reports a failure, and re-runs when deps.sh changes).
ifeq ($(wildcard $(DEPS_STAMP)),)
ifneq ($(MAKECMDGOALS),clean)
$(shell mkdir -p $(B) && scripts/deps.sh build test sim system >&2 && touch $(DEPS_STAMP))
endif
endif

TARGETS :=
TESTS   :=

include firmware/fw.mk
include tools/tools.mk
include tests/tests.mk
# Component fragments that exist (each registers its targets and tests).
include $(sort $(wildcard hw/hw.mk bench/bench.mk bench/rtl/rtl.mk tests/fuzz/fuzz.mk tests/trace/trace.mk \
                 host/dev/*.mk host/slowpath/*.mk host/lib/*.mk firmware/platform/*/*.mk \
                 tools/impair/impair.mk tests/system/system.mk))

all: $(DEPS_STAMP) $(TARGETS)

# Every test binary/script registered in TESTS runs; one summary line at the end.
test: $(DEPS_STAMP) $(TARGETS) $(TEST_DEPS)
	@tests/run-all.sh $(TESTS)

# make run: the co-simulation demo (the RTL NIC's Verilator model as toffee's
# NIC); make run-fw: the same on the firmware fast path (DPDK), and trace replays.
run: $(DEPS_STAMP) $(TARGETS)
	@scripts/run-demo.sh

run-fw: $(DEPS_STAMP) $(TARGETS)
	@scripts/run-demo-fw.sh

clean:
	rm -rf $(B)

.PHONY: all test run run-fw clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
