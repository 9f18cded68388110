# Trace tests (tests/trace/): the Linux captures in $(TOFFEE_TRACES) (default
# ../shared/traces/linux) replayed in-process through the toffee-replay
# engine and judged by an independent reassembler (ref.c). Built plain and
# with ASan+UBSan, like the unit tests.
TRACE_SRCS     := tests/trace/test_trace.c tests/trace/trace_check.c \
                  tests/trace/trace_mutate.c tests/trace/ref.c
TRACE_BIN      := $(B)/test/test_trace
TRACE_ASAN_BIN := $(B)/test/asan/test_trace
TRACE_CFLAGS    = $(CFLAGS) -Itests/lib -Itools/replay -Itests/trace
TRACE_LIBS     := -lcmocka -lpcap -lcrypto

$(TRACE_BIN): $(TRACE_SRCS) $(REPLAY_OBJS) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TRACE_CFLAGS) $(DEPFLAGS) $(TRACE_SRCS) $(REPLAY_OBJS) $(FW_LIB) $(TRACE_LIBS) -o $@
$(TRACE_ASAN_BIN): $(TRACE_SRCS) $(REPLAY_ASAN_OBJS) $(FW_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TRACE_CFLAGS) $(SANFLAGS) $(DEPFLAGS) $(TRACE_SRCS) $(REPLAY_ASAN_OBJS) $(FW_ASAN_LIB) $(TRACE_LIBS) -o $@

TEST_DEPS += $(TRACE_BIN) $(TRACE_ASAN_BIN) $(REPLAY_BIN)
TESTS += $(TRACE_BIN) $(TRACE_ASAN_BIN)
TESTS += tests/trace/test_cli.sh
