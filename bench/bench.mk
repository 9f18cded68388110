# Benchmarks. `make bench-fw`: instructions per common-case operation of the
# firmware fast path vs lwIP, counted with callgrind (see bench/README.md).
# Results: a table on stdout and $(B)/bench/fw.json.
BENCH_DIR    := $(B)/bench
BENCH_FW_BIN := $(BENCH_DIR)/fwbench
BENCH_FW_SRCS := $(wildcard bench/fwb_*.c)
BENCH_FW_OBJS := $(BENCH_FW_SRCS:%.c=$(B)/obj/%.o)
# lwIP's headers are not -Wall -Wextra -Wstrict-prototypes clean: -isystem.
BENCH_LWIP_CFLAGS := -isystem /usr/include/lwip

bench-deps:
	@scripts/deps.sh build test

$(B)/obj/bench/fwb_lwip.o: bench/fwb_lwip.c | bench-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BENCH_LWIP_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/obj/bench/%.o: bench/%.c | bench-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_FW_BIN): $(BENCH_FW_OBJS) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BENCH_FW_OBJS) $(FW_LIB) -llwip -o $@

bench-fw: bench-deps $(BENCH_FW_BIN)
	@bench/run-fw.sh $(BENCH_FW_BIN) $(BENCH_DIR)

.PHONY: bench-deps bench-fw
