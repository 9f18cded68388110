# toffee-fw: the firmware fast path on a DPDK lcore (firmware/platform/dpdk/).
# DPDK 22.11 from Debian (libdpdk-dev), dynamic linking via pkg-config; its
# headers are included as system headers so -Wall -Wextra -Werror apply to
# our code only. Expanded lazily: the flags are read once the deps exist.
FWDPDK_SRCS   := $(wildcard firmware/platform/dpdk/*.c)
FWDPDK_OBJS   := $(FWDPDK_SRCS:%.c=$(B)/obj/%.o)
FWDPDK_BIN    := $(B)/bin/toffee-fw
DPDK_CFLAGS    = $(shell pkg-config --cflags libdpdk | sed 's/-I/-isystem /g')
DPDK_LIBS      = $(shell pkg-config --libs libdpdk)

$(FWDPDK_OBJS): $(B)/obj/firmware/platform/dpdk/%.o: firmware/platform/dpdk/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihost/dev $(DPDK_CFLAGS) $(DEPFLAGS) -c $< -o $@

# (paths, not $(NICSRV_OBJ): host/dev/nicsrv.mk is included after this file)
FWDPDK_NICSRV := $(B)/obj/host/dev/nicsrv.o $(B)/obj/host/dev/nicsrv_dma.o $(B)/obj/host/dev/dbpage.o $(B)/obj/host/dev/nicproc.o
$(FWDPDK_BIN): $(FWDPDK_OBJS) $(FWDPDK_NICSRV) $(FW_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ $(DPDK_LIBS) -o $@

TARGETS += $(FWDPDK_BIN)
TEST_DEPS += $(FWDPDK_BIN)
TESTS += tests/system/test_fw.sh
