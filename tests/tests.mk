# Unit tests: tests/unit/test_<module>.c, cmocka, each built twice (plain and
# ASan+UBSan) and linked against the firmware core. Helpers shared by tests
# live in tests/lib/*.c.
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/test/%)
UNIT_ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/test/asan/%)
TEST_CFLAGS := $(CFLAGS) -Itests/lib
TEST_LIBS := -lcmocka -lcrypto

$(B)/test/%: tests/unit/%.c $(TEST_LIB_SRCS) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) $< $(TEST_LIB_SRCS) $(FW_LIB) $(TEST_LIBS) -o $@
$(B)/test/asan/%: tests/unit/%.c $(TEST_LIB_SRCS) $(FW_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(SANFLAGS) $(DEPFLAGS) $< $(TEST_LIB_SRCS) $(FW_ASAN_LIB) $(TEST_LIBS) -o $@

TEST_DEPS += $(UNIT_BINS) $(UNIT_ASAN_BINS)
TESTS += $(UNIT_BINS) $(UNIT_ASAN_BINS)
