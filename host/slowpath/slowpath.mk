# toffeed (host/slowpath/), the device interface it uses (host/dev/dev*.c),
# the `toffee` command (tools/toffee/), their unit tests (tests/slowpath/)
# and system tests. Included by the top Makefile through host/slowpath/*.mk.
SP_SRCS      := $(wildcard host/slowpath/*.c) host/dev/dev.c host/dev/dev_proc.c host/dev/dbpage.c
SP_OBJS      := $(SP_SRCS:%.c=$(B)/obj/%.o)
SP_ASAN_OBJS := $(SP_SRCS:%.c=$(B)/asan/%.o)
SP_MAIN      := host/slowpath/main.c
SP_LIB_OBJS      := $(filter-out $(B)/obj/$(SP_MAIN:.c=.o),$(SP_OBJS))
SP_LIB_ASAN_OBJS := $(filter-out $(B)/asan/$(SP_MAIN:.c=.o),$(SP_ASAN_OBJS))
SP_BIN       := $(B)/bin/toffeed
SP_ASAN_BIN  := $(B)/bin/toffeed-asan

$(SP_OBJS) $(SP_ASAN_OBJS): CFLAGS += -Ihost/slowpath -Ihost/dev

$(SP_BIN): $(SP_OBJS) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@
$(SP_ASAN_BIN): $(SP_ASAN_OBJS) $(FW_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) $^ -o $@

# The `toffee` command.
CLI_SRCS := $(wildcard tools/toffee/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/obj/%.o)
CLI_BIN  := $(B)/bin/toffee
$(CLI_OBJS): CFLAGS += -Itools/toffee
$(CLI_BIN): $(CLI_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@

TARGETS += $(SP_BIN) $(SP_ASAN_BIN) $(CLI_BIN)
# toffee run's warning about programs LD_PRELOAD cannot reach (no root).
TEST_DEPS += $(CLI_BIN)
TESTS += tests/tools/test_run_check.sh

# toffeed's modules as archives (without main.o): a unit test pulls in
# only the modules it uses.
SP_LIB      := $(B)/lib/libsp.a
SP_ASAN_LIB := $(B)/lib/libsp-asan.a
$(SP_LIB): $(SP_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
$(SP_ASAN_LIB): $(SP_LIB_ASAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# Unit tests of the pure modules: tests/slowpath/test_*.c, cmocka, plain and
# with ASan+UBSan.
SPT_SRCS      := $(wildcard tests/slowpath/test_*.c)
SPT_BINS      := $(SPT_SRCS:tests/slowpath/%.c=$(B)/test/sp/%)
SPT_ASAN_BINS := $(SPT_SRCS:tests/slowpath/%.c=$(B)/test/sp/asan/%)
$(B)/test/sp/%: tests/slowpath/%.c $(SP_LIB) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ihost/slowpath -Ihost/dev $(DEPFLAGS) $< tests/lib/tpkt.c $(SP_LIB) $(FW_LIB) -lcmocka -o $@
$(B)/test/sp/asan/%: tests/slowpath/%.c $(SP_ASAN_LIB) $(FW_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(SANFLAGS) -Ihost/slowpath -Ihost/dev $(DEPFLAGS) $< tests/lib/tpkt.c $(SP_ASAN_LIB) $(FW_ASAN_LIB) -lcmocka -o $@

TEST_DEPS += $(SPT_BINS) $(SPT_ASAN_BINS)
TESTS += $(SPT_BINS) $(SPT_ASAN_BINS)

# A raw app.sock client for the system test (isolation checks).
SP_APPCHECK := $(B)/test/sp/appcheck
$(SP_APPCHECK): tests/slowpath/appcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -o $@

# System test (root): toffee-fw + toffeed + libtoffee against Linux.
TEST_DEPS += $(SP_APPCHECK)
TESTS += tests/system/test_toffee.sh
TESTS += tests/system/test_toffee_impair.sh
