# System tests that start the whole system (toffee-fw + toffeed + programs
# under `toffee run`) against the Linux kernel's TCP in a peer namespace
# (root; they skip without it), and the programs they share with
# `make bench-system` and `make run`: echo_srv (an epoll echo server) and
# rpc_cli (closed-loop RPC, sequential and concurrent connection clients),
# bench/system/*.c. Included by the top Makefile.
SYSB_DIR  := $(B)/bench/system
SYSB_BINS := $(SYSB_DIR)/echo_srv $(SYSB_DIR)/rpc_cli

$(SYSB_DIR)/%: bench/system/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -o $@

TARGETS += $(SYSB_BINS)
TESTS += tests/system/test_apps.sh
TESTS += tests/system/test_scale.sh
TESTS += tests/system/test_prefork.sh
TESTS += tests/system/test_fork.sh
TESTS += tests/system/test_afpacket.sh
TESTS += tests/system/test_hostile.sh
TESTS += tests/system/test_misbehave.sh
TESTS += tests/system/test_keepalive.sh

# make bench-system (root, not in make test): RPC echo, toffee against Linux;
# bench/system/README.md.
bench-system: $(DEPS_STAMP) $(TARGETS)
	@bench/system/run.sh

.PHONY: bench-system
