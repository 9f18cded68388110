# libtoffee (host/lib): the event API as build/lib/libtoffee.so and .a, and
# the sockets layer + LD_PRELOAD interposer as build/lib/libtoffee-preload.so
# (self-contained: it carries its own copy of the event API). Everything is
# built -fPIC -fvisibility=hidden; only toffee_* (and in the preload the
# POSIX entry points) are exported. Unit tests: tests/libtoffee/test_*.c
# (cmocka, plain and ASan+UBSan), linked with the objects directly.
LIB_CORE_SRCS  := $(sort $(wildcard host/lib/tf_*.c))
LIB_SOCK_SRCS  := $(sort $(wildcard host/lib/ts_*.c)) host/lib/preload.c
LIB_CORE_OBJS  := $(LIB_CORE_SRCS:%.c=$(B)/obj/%.o)
LIB_SOCK_OBJS  := $(LIB_SOCK_SRCS:%.c=$(B)/obj/%.o)
LIB_CORE_AOBJS := $(LIB_CORE_SRCS:%.c=$(B)/asan/%.o)
LIB_SOCK_AOBJS := $(LIB_SOCK_SRCS:%.c=$(B)/asan/%.o)
LIBTOFFEE_SO   := $(B)/lib/libtoffee.so
LIBTOFFEE_A    := $(B)/lib/libtoffee.a
LIBTOFFEE_PRELOAD := $(B)/lib/libtoffee-preload.so

$(LIB_CORE_OBJS) $(LIB_SOCK_OBJS) $(LIB_CORE_AOBJS) $(LIB_SOCK_AOBJS): \
	CFLAGS += -fPIC -fvisibility=hidden -Ihost/lib

$(LIBTOFFEE_SO): $(LIB_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libtoffee.so -Wl,-z,defs $^ -o $@
$(LIBTOFFEE_A): $(LIB_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(LIBTOFFEE_PRELOAD): $(LIB_CORE_OBJS) $(LIB_SOCK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libtoffee-preload.so -Wl,-z,defs $^ -ldl -lpthread -o $@

TARGETS += $(LIBTOFFEE_SO) $(LIBTOFFEE_A) $(LIBTOFFEE_PRELOAD)

# Unit tests against memory of their own (no daemon): the library objects
# without the interposer's symbol table (tests/libtoffee/tl_*.c stand in).
LIBT_SRCS := $(wildcard tests/libtoffee/test_*.c)
LIBT_HELPERS := $(wildcard tests/libtoffee/tl_*.c)
LIBT_BINS := $(LIBT_SRCS:tests/libtoffee/%.c=$(B)/test/libtoffee/%)
LIBT_ASAN_BINS := $(LIBT_SRCS:tests/libtoffee/%.c=$(B)/test/asan/libtoffee/%)
LIBT_OBJS := $(filter-out %/preload.o,$(LIB_CORE_OBJS) $(LIB_SOCK_OBJS))
LIBT_AOBJS := $(filter-out %/preload.o,$(LIB_CORE_AOBJS) $(LIB_SOCK_AOBJS))
LIBT_CFLAGS = $(CFLAGS) -Ihost/lib -Itests/libtoffee

$(B)/test/libtoffee/%: tests/libtoffee/%.c $(LIBT_HELPERS) $(LIBT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBT_CFLAGS) $(DEPFLAGS) $< $(LIBT_HELPERS) $(LIBT_OBJS) -lcmocka -lpthread -o $@
$(B)/test/asan/libtoffee/%: tests/libtoffee/%.c $(LIBT_HELPERS) $(LIBT_AOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LIBT_CFLAGS) $(SANFLAGS) $(DEPFLAGS) $< $(LIBT_HELPERS) $(LIBT_AOBJS) -lcmocka -lpthread -o $@

TEST_DEPS += $(LIBT_BINS) $(LIBT_ASAN_BINS)
TESTS += $(LIBT_BINS) $(LIBT_ASAN_BINS)

# toffee-fakenet: toffeed + NIC stand-in that loops flows back to each other
# (tests/libtoffee/fakenet.c), for tests of the library without the daemons.
FAKENET := $(B)/test/toffee-fakenet
$(FAKENET): tests/libtoffee/fakenet.c host/dev/dbpage.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihost/dev $(DEPFLAGS) $(filter %.c,$^) -o $@
TEST_DEPS += $(FAKENET)

# The interposer end to end on toffee-fakenet (no root): socket-API cases,
# redis, memcached, http.server + curl.
TESTS += tests/libtoffee/test_preload.sh
