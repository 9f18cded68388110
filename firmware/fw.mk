# The C firmware fast path: protocol core (fp_*.c) as a static library,
# built twice: optimised, and with ASan+UBSan for the sanitizer test run.
FW_SRCS := $(wildcard firmware/fp_*.c)
FW_OBJS := $(FW_SRCS:%.c=$(B)/obj/%.o)
FW_ASAN_OBJS := $(FW_SRCS:%.c=$(B)/asan/%.o)
FW_LIB  := $(B)/lib/libfp.a
FW_ASAN_LIB := $(B)/lib/libfp-asan.a

$(B)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/asan/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) $(DEPFLAGS) -c $< -o $@

$(FW_LIB): $(FW_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(FW_ASAN_LIB): $(FW_ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

TARGETS += $(FW_LIB) $(FW_ASAN_LIB)
