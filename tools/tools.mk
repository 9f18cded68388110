# Tools. toffee-replay: replay a capture through the fast path (tools/replay/).
# The replay engine (everything but main.c) is also linked into the trace
# tests, plain and with ASan+UBSan, together with the fphost harness.
REPLAY_LIB_SRCS := tools/replay/replay.c tools/replay/rp_conn.c tools/replay/pkt.c \
                   tools/replay/rp_rexmit.c tests/lib/fphost.c
REPLAY_OBJS      := $(REPLAY_LIB_SRCS:%.c=$(B)/obj/%.o)
REPLAY_ASAN_OBJS := $(REPLAY_LIB_SRCS:%.c=$(B)/asan/%.o)
REPLAY_MAIN_OBJ  := $(B)/obj/tools/replay/main.o
REPLAY_LIBS      := -lpcap -lcrypto
REPLAY_BIN       := $(B)/bin/toffee-replay

$(REPLAY_OBJS) $(REPLAY_ASAN_OBJS) $(REPLAY_MAIN_OBJ): CFLAGS += -Itests/lib -Itools/replay

$(REPLAY_BIN): $(REPLAY_MAIN_OBJ) $(REPLAY_OBJS) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(REPLAY_LIBS) -o $@

TARGETS += $(REPLAY_BIN)
