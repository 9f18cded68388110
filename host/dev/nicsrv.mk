# nicsrv: the NIC-process side of the device protocol (host/dev/nicsrv*.[ch]),
# linked into toffee-fw (firmware/platform/dpdk/) and later toffee-sim.
# Its unit test tests/unit/test_nicsrv.c needs the nicsrv objects and libpcap, so it
# gets explicit rules here (they take precedence over the generic pattern
# rules of tests/tests.mk, which already list it in TESTS).
NICSRV_SRCS     := host/dev/nicsrv.c host/dev/nicsrv_dma.c host/dev/dbpage.c host/dev/nicproc.c
NICSRV_OBJ      := $(NICSRV_SRCS:%.c=$(B)/obj/%.o)
NICSRV_ASAN_OBJ := $(NICSRV_SRCS:%.c=$(B)/asan/%.o)
NICSRV_TEST_LIBS := -lcmocka -lpcap

$(NICSRV_OBJ) $(NICSRV_ASAN_OBJ): CFLAGS += -Ihost/dev

$(B)/test/test_nicsrv: tests/unit/test_nicsrv.c $(NICSRV_OBJ) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ihost/dev $(DEPFLAGS) $< $(NICSRV_OBJ) $(FW_LIB) $(NICSRV_TEST_LIBS) -o $@
$(B)/test/asan/test_nicsrv: tests/unit/test_nicsrv.c $(NICSRV_ASAN_OBJ) $(FW_ASAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Ihost/dev $(SANFLAGS) $(DEPFLAGS) $< $(NICSRV_ASAN_OBJ) $(FW_ASAN_LIB) $(NICSRV_TEST_LIBS) -o $@

TARGETS += $(NICSRV_OBJ)
