# toffee-impair: seeded user-space impairment bridge for system tests.
IMPAIR_BIN := $(B)/bin/toffee-impair
$(IMPAIR_BIN): tools/impair/impair.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@
TARGETS += $(IMPAIR_BIN)
TESTS += tests/system/test_impair.sh
