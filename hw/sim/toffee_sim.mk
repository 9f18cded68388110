# toffee-sim: the Verilator model of toffee_top (DATA_WIDTH 64) as a NIC
# process behind the device protocol (hw/sim/toffee_sim/, docs/cosim.md).
# Included by hw/hw.mk (after HW_VFLAGS / HW_RTL); builds build/bin/toffee-sim
# as part of the default `make`, so that `toffee start --backend sim` finds it.
# The model is built with waveform support (--trace-fst; dumping is off until
# --trace). The C parts are compiled with the project's CFLAGS; the one C++
# file (tsim_model.cpp) goes through Verilator's build, single-threaded and niced,
# the model compiled with $(TSIM_CXX) $(TSIM_OPT) (OPT_FAST, below).
TSIM_B        := $(B)/hw/toffee_sim
TSIM_BIN      := $(B)/bin/toffee-sim
TSIM_FLOW_CAP ?= 4096
TSIM_CTX_CAP  ?= 256
# The C++ of the model: compiler and optimisation (docs/cosim.md, "Speed"):
# clang++ -O3 -march=native runs the model ~30 % faster than g++ -O2 (the
# binary is built where it runs; TSIM_OPT=-O2 for a portable one).
TSIM_CXX      ?= $(if $(shell command -v clang++ 2>/dev/null),clang++,g++)
TSIM_OPT      ?= -O3 -march=native
TSIM_VMAKE     = OPT_FAST='$(TSIM_OPT)' CXX=$(TSIM_CXX) LINK=$(TSIM_CXX)
TSIM_SRCS     := hw/sim/toffee_sim/tsim_main.c hw/sim/toffee_sim/tsim_opts.c hw/sim/toffee_sim/tsim_dma.c \
                 hw/sim/toffee_sim/tsim_regs.c hw/sim/toffee_sim/tsim_port.c
TSIM_OBJS     := $(TSIM_SRCS:hw/sim/toffee_sim/%.c=$(TSIM_B)/obj/%.o)
# (host/dev/nicsrv.mk is included before hw/hw.mk: NICSRV_OBJ is known)
TSIM_NICSRV   := $(NICSRV_OBJ)
TSIM_MODEL    := $(TSIM_B)/model/Vtoffee_top

# Which optional ports the top has (now_ns, interrupts, the pre-engine sinks).
$(TSIM_B)/tsim_ports.h: hw/rtl/toffee_top.sv hw/sim/toffee_sim/ports.sh
	@mkdir -p $(dir $@)
	@hw/sim/toffee_sim/ports.sh $< >$@.tmp && mv $@.tmp $@

$(TSIM_OBJS): $(TSIM_B)/obj/%.o: hw/sim/toffee_sim/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihost/dev -Ihw/sim/toffee_sim -DFLOW_CAP_BUILT=$(TSIM_FLOW_CAP)u \
	  $(DEPFLAGS) -c $< -o $@

# Verilate and build the model (and a first link). The C objects are
# order-only here: a change to them relinks below without re-verilating; a
# change to their list (the .mk files) re-verilates (the link line is in
# Verilator's makefile).
$(TSIM_MODEL): hw/sim/toffee_sim/tsim_model.cpp hw/sim/toffee_sim/tsim_model.h $(TSIM_B)/tsim_ports.h \
               $(HW_RTL) hw/rtl/toffee.f hw/sim/toffee_sim.mk host/dev/nicsrv.mk | $(TSIM_OBJS) $(TSIM_NICSRV) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "VERILATOR $@"
	@nice $(VERILATOR) $(HW_VFLAGS) --trace-fst --top-module toffee_top \
	  -GDATA_WIDTH=64 -GFLOW_CAP=$(TSIM_FLOW_CAP) -GCTX_CAP=$(TSIM_CTX_CAP) -f hw/rtl/toffee.f \
	  -CFLAGS "$(TSIM_OPT) -I$(CURDIR)/hw/sim/toffee_sim -I$(abspath $(TSIM_B))" \
	  -LDFLAGS "$(abspath $(TSIM_OBJS) $(TSIM_NICSRV)) -lpcap" \
	  -MAKEFLAGS "$(TSIM_VMAKE)" -Mdir $(@D) $(CURDIR)/hw/sim/toffee_sim/tsim_model.cpp >$(@D)/build.log 2>&1 || \
	  { cat $(@D)/build.log; exit 1; }

# Link with the current C objects (Verilator's makefile names them).
$(TSIM_BIN): $(TSIM_MODEL) $(TSIM_OBJS) $(TSIM_NICSRV)
	@mkdir -p $(dir $@)
	@rm -f $(TSIM_MODEL)
	@nice $(MAKE) -s -C $(TSIM_B)/model -f Vtoffee_top.mk $(TSIM_VMAKE) Vtoffee_top >$(TSIM_B)/model/link.log 2>&1 || \
	  { cat $(TSIM_B)/model/link.log; exit 1; }
	cp $(TSIM_MODEL) $@.tmp && mv -f $@.tmp $@

# Unit test of the DMA service (no model: a fake memory plays the regions).
TSIM_DMA_TEST := $(TSIM_B)/test_tsim_dma
$(TSIM_DMA_TEST): hw/sim/toffee_sim/test_tsim_dma.c $(TSIM_B)/obj/tsim_dma.o | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihw/sim/toffee_sim $(DEPFLAGS) $< $(TSIM_B)/obj/tsim_dma.o -o $@

# Unit test of the register bridge (a fake AXI-Lite register file).
TSIM_REGS_TEST := $(TSIM_B)/test_tsim_regs
$(TSIM_REGS_TEST): hw/sim/toffee_sim/test_tsim_regs.c $(TSIM_B)/obj/tsim_regs.o | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ihw/sim/toffee_sim $(DEPFLAGS) $< $(TSIM_B)/obj/tsim_regs.o -o $@

toffee-sim: $(TSIM_BIN)

TARGETS   += $(TSIM_BIN)
TEST_DEPS += $(TSIM_BIN) $(TSIM_DMA_TEST) $(TSIM_REGS_TEST)
# The system tests on the co-simulated NIC (tests/system/test_sim_system.sh,
# root, ~40-80 s; test_sim_fork.sh, ~20 s; test_sim_impair.sh, ~15 s;
# test_sim_misbehave.sh, ~15 s; test_sim_hostile.sh, ~30 s;
# test_sim_keepalive.sh, ~30 s) are part of `make test`; `make test-cosim`
# runs them alone.
TSIM_SYSTESTS := tests/system/test_sim_system.sh tests/system/test_sim_fork.sh tests/system/test_sim_impair.sh \
                 tests/system/test_sim_misbehave.sh tests/system/test_sim_hostile.sh \
                 tests/system/test_sim_keepalive.sh
TESTS     += $(TSIM_DMA_TEST) $(TSIM_REGS_TEST) tests/system/test_sim_dev.sh $(TSIM_SYSTESTS)

test-cosim: $(DEPS_STAMP) $(TARGETS) $(TEST_DEPS)
	@tests/run-all.sh $(TSIM_SYSTESTS)
.PHONY: toffee-sim test-cosim
