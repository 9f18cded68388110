# toffee RTL (hw/rtl) and its Verilator testbenches (hw/sim).
# Included by the top Makefile (its component-fragment wildcard).
# Targets: abi-sv (regenerate the ABI package), lint-rtl, synth, and the
# testbenches registered in TESTS / TEST_DEPS. See docs/rtl.md.
HW_B     := $(B)/hw
ABI2SV   := $(HW_B)/abi2sv
HW_RTL   := $(shell grep -E '^hw/rtl/.*\.sv$$' hw/rtl/toffee.f)
VERILATOR ?= verilator

# --- ABI package: generated from include/toffee/abi.h, committed ---------------
$(ABI2SV): tools/abi2sv.c include/toffee/abi.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Iinclude $< -o $@

abi-sv: $(ABI2SV)
	$(ABI2SV) > hw/rtl/toffee_abi_pkg.sv

TESTS += hw/sim/check_abi_pkg.sh

# --- Lint and synthesis ----------------------------------------------------
lint-rtl: | $(DEPS_STAMP)
	@hw/lint.sh

# Resource and logic-depth report for DATA_WIDTH 64 and 512, 64K flows.
synth: $(B)/bench/synth.json
$(B)/bench/synth.json: $(HW_RTL) hw/rtl/toffee.f hw/syn/synth.sh hw/syn/report.py | $(DEPS_STAMP)
	@mkdir -p $(dir $@) $(HW_B)/synth
	nice hw/syn/synth.sh $(HW_B)/synth $@

TESTS += hw/lint.sh

# --- Verilator testbenches ----------------------------------------------------
# One binary per testbench (and per DATA_WIDTH where it matters); each is a
# test: exit 0 pass, 1 fail, 77 skip. Builds are single-threaded and niced.
HW_VFLAGS := --cc --exe --build -j 1 -O3 --x-assign fast --x-initial fast -Wno-fatal \
             -Wno-lint -Wno-style
HW_CFLAGS := -O2 -I$(CURDIR)/hw/sim -I$(CURDIR)/include
HW_SIM_H  := $(wildcard hw/sim/*.h)

# $(call hw_tb,testbench,top module,variant,-G parameters,-D defines,extra deps/libs,extra sources)
# builds $(HW_B)/tb_<testbench><variant>/V<top>.
define hw_tb
$(HW_B)/tb_$(1)$(3)/V$(2): hw/sim/tb_$(1).cpp $(7) $(HW_RTL) hw/rtl/toffee.f $(HW_SIM_H) $(6) | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "VERILATOR $$@"
	@nice $(VERILATOR) $(HW_VFLAGS) --top-module $(2) $(4) -f hw/rtl/toffee.f \
	  -CFLAGS "$(HW_CFLAGS) $(5)" -LDFLAGS "$(addprefix $(CURDIR)/,$(6)) -lpcap" \
	  -Mdir $$(@D) $(CURDIR)/hw/sim/tb_$(1).cpp $(addprefix $(CURDIR)/,$(7)) >$$(@D)/build.log 2>&1 || \
	  { cat $$(@D)/build.log; exit 1; }
HW_TBS += $(HW_B)/tb_$(1)$(3)/V$(2)
endef

$(eval $(call hw_tb,rx_parser,rx_parser,_dw64,-GDATA_WIDTH=64,-DDW=64))
$(eval $(call hw_tb,rx_parser,rx_parser,_dw512,-GDATA_WIDTH=512,-DDW=512))
# Against the firmware's own flow table (libfp.a); a small table overflows.
$(eval $(call hw_tb,flow_lookup,flow_lookup,_cap64,-GFLOW_CAP=64 -GURAM=0 -GUSER_WIDTH=8,-DCAP=64 -I$(CURDIR)/firmware,$(FW_LIB)))
$(eval $(call hw_tb,flow_lookup,flow_lookup,_cap1024,-GFLOW_CAP=1024 -GURAM=0 -GUSER_WIDTH=8,-DCAP=1024 -I$(CURDIR)/firmware,$(FW_LIB)))
$(eval $(call hw_tb,axil_regs,axil_regs,,-GCTX_CAP=64,-DCTX=64))
$(foreach w,64 512,$(foreach e,16 32,$(eval $(call hw_tb,ring_writer,ring_writer,_dw$(w)_e$(e),-GDATA_WIDTH=$(w) -GENTRY_BYTES=$(e),-DDW=$(w) -DENTRY=$(e)))))
$(eval $(call hw_tb,dma_arb,dma_rd_arb,_rd,-GN=3 -GDATA_WIDTH=64 -GTAG_WIDTH=8))
$(foreach w,64 512,$(eval $(call hw_tb,mac,mac_rx,_rx_dw$(w),-GDATA_WIDTH=$(w),-DMAC_RX -DDW=$(w))))
$(foreach w,64 512,$(eval $(call hw_tb,mac,mac_tx,_tx_dw$(w),-GDATA_WIDTH=$(w),-DMAC_TX -DDW=$(w))))
$(foreach l,1 3,$(eval $(call hw_tb,flow_state,flow_state,_lat$(l),-GFLOW_CAP=64 -GURAM=0 -GREAD_LATENCY=$(l),-DLAT=$(l))))
# Against fp_rx() itself, through the tests/lib harness.
$(HW_B)/fphost.o: tests/lib/fphost.c tests/lib/fphost.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/lib -c $< -o $@
$(eval $(call hw_tb,rx_classify,rx_classify,,,-I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB)))

# Further testbenches, one fragment per module group (hw/sim/*.mk).
include $(sort $(wildcard hw/sim/*.mk))

TEST_DEPS += $(HW_TBS)
TESTS += $(HW_TBS)
hw-tb: $(HW_TBS)

.PHONY: abi-sv lint-rtl synth hw-tb
