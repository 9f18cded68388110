# make bench-rtl: throughput, latency and simulator speed of the Verilator
# model of toffee_top (bench/rtl/bench_rtl.cpp, docs/replay.md for the
# replay backend). Results: a table on stdout and $(B)/bench/rtl.json.
# Also builds toffee-replay-rtl (toffee-replay --impl rtl) from a FLOW_CAP 4096 model.
#
# The model is verilated once per configuration into a library
# ($(BRTL_B)/model_dwN/Vtoffee_top__ALL.a + Verilator's runtime objects),
# then linked with the harnesses; builds are niced and single-threaded.
# Its C++ is compiled as toffee-sim's is ($(TSIM_CXX) $(TSIM_OPT), defined
# in hw/sim/toffee_sim.mk), so the speed measured is the shipped model's;
# clang's objects need libatomic when g++ links.
# FLOW_CAP 65536 (the bench's 65,536-flow run needs it).
# (Included before hw/hw.mk: its variables are not defined yet here.)
BRTL_B        := $(B)/bench/rtl
BRTL_RTL      := $(shell grep -E '^hw/rtl/.*\.sv$$' hw/rtl/toffee.f)
BRTL_SIM_H    := $(wildcard hw/sim/*.h)
BRTL_FLOW_CAP := 65536
BRTL_VROOT    := /usr/share/verilator
BRTL_CXXFLAGS := -O2 -std=gnu++17 -faligned-new -Wno-unused-parameter \
                 -I$(BRTL_VROOT)/include -I$(BRTL_VROOT)/include/vltstd \
                 -DVM_COVERAGE=0 -DVM_SC=0 -DVM_TRACE=0 -DVM_TRACE_FST=0 -DVM_TRACE_VCD=0 \
                 -Ihw/sim -Iinclude -Ifirmware -Itests/lib
# bench-rtl also measures DATA_WIDTH 512 unless BENCH_RTL_DW512=0.
BENCH_RTL_DW512 ?= 1

# $(call brtl_model,width,flow_cap,dir): the verilated model library.
define brtl_model
$(BRTL_B)/$(3)/Vtoffee_top__ALL.a: $(BRTL_RTL) hw/rtl/toffee.f bench/rtl/rtl.mk | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	@echo "VERILATOR $$@ (DATA_WIDTH $(1), FLOW_CAP $(2))"
	@nice verilator --cc -O3 --x-assign fast --x-initial fast -Wno-fatal -Wno-lint -Wno-style \
	  --top-module toffee_top -GDATA_WIDTH=$(1) -GFLOW_CAP=$(2) -f hw/rtl/toffee.f \
	  -Mdir $$(@D) >$$(@D)/verilate.log 2>&1 || { cat $$(@D)/verilate.log; exit 1; }
	@rm -f $$(@D)/*.o $$(@D)/*.a     # Verilator keeps unchanged sources: flags alone would not rebuild
	@nice $(MAKE) -s -j1 -C $$(@D) -f Vtoffee_top.mk OPT_FAST='$$(TSIM_OPT)' CXX=$$(TSIM_CXX) \
	  Vtoffee_top__ALL.a verilated.o verilated_threads.o >$$(@D)/make.log 2>&1 || \
	  { cat $$(@D)/make.log; exit 1; }
endef
$(eval $(call brtl_model,64,$(BRTL_FLOW_CAP),model_dw64))
$(eval $(call brtl_model,512,$(BRTL_FLOW_CAP),model_dw512))
# The replay needs few flows: a small model simulates faster.
REPLAY_RTL_FLOW_CAP := 4096
$(eval $(call brtl_model,64,$(REPLAY_RTL_FLOW_CAP),model_replay))

$(BRTL_B)/fphost.o: tests/lib/fphost.c tests/lib/fphost.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/lib -c $< -o $@

# rtl_nic compiled per width (its port types depend on DATA_WIDTH).
$(BRTL_B)/rtl_nic_dw%.o: hw/sim/rtl_nic.cpp hw/sim/rtl_nic.h $(BRTL_SIM_H) $(BRTL_B)/model_dw%/Vtoffee_top__ALL.a
	@echo "CXX $@"
	@nice $(CXX) $(BRTL_CXXFLAGS) -DFLOW_CAP=$(BRTL_FLOW_CAP) -I$(BRTL_B)/model_dw$* -DDW=$* -c $< -o $@
$(BRTL_B)/rtl_nic_replay.o: hw/sim/rtl_nic.cpp hw/sim/rtl_nic.h $(BRTL_SIM_H) $(BRTL_B)/model_replay/Vtoffee_top__ALL.a
	@echo "CXX $@"
	@nice $(CXX) $(BRTL_CXXFLAGS) -DFLOW_CAP=$(REPLAY_RTL_FLOW_CAP) -I$(BRTL_B)/model_replay -DDW=64 -c $< -o $@

$(BRTL_B)/bench_rtl_dw%: bench/rtl/bench_rtl.cpp $(BRTL_B)/rtl_nic_dw%.o $(BRTL_B)/fphost.o $(FW_LIB) \
                         $(BRTL_B)/model_dw%/Vtoffee_top__ALL.a
	@echo "LINK $@"
	@nice $(CXX) $(BRTL_CXXFLAGS) -DFLOW_CAP=$(BRTL_FLOW_CAP) -I$(BRTL_B)/model_dw$* -DDW=$* $< $(BRTL_B)/rtl_nic_dw$*.o \
	  $(BRTL_B)/fphost.o $(FW_LIB) $(BRTL_B)/model_dw$*/Vtoffee_top__ALL.a \
	  $(BRTL_B)/model_dw$*/verilated.o $(BRTL_B)/model_dw$*/verilated_threads.o -lpcap -lpthread -latomic -o $@

BRTL_DEPS := $(BRTL_B)/bench_rtl_dw64 $(if $(filter 1,$(BENCH_RTL_DW512)),$(BRTL_B)/bench_rtl_dw512)
bench-rtl: $(DEPS_STAMP) $(BRTL_DEPS)
	@mkdir -p $(B)/bench
	@if [ "$(BENCH_RTL_DW512)" = 1 ]; then \
	  echo "bench-rtl: DATA_WIDTH 512 run (its table; the JSON goes under \"dw512\")"; \
	  nice $(BRTL_B)/bench_rtl_dw512 $(B)/bench/rtl_dw512.json || exit 1; \
	  echo; nice $(BRTL_B)/bench_rtl_dw64 $(B)/bench/rtl.json $(B)/bench/rtl_dw512.json; \
	else nice $(BRTL_B)/bench_rtl_dw64 $(B)/bench/rtl.json; fi

# toffee-replay --impl rtl: the replay engine with the model as its fast path.
REPLAY_RTL_BIN := $(B)/bin/toffee-replay-rtl
$(B)/obj/tools/replay/rp_rtl.o: tools/replay/rp_rtl.cpp tools/replay/replay_int.h tools/replay/replay.h \
                                hw/sim/rtl_nic.h $(BRTL_B)/model_replay/Vtoffee_top__ALL.a
	@mkdir -p $(dir $@)
	@echo "CXX $@"
	@nice $(CXX) $(BRTL_CXXFLAGS) -Itools/replay -c $< -o $@

$(REPLAY_RTL_BIN): $(REPLAY_MAIN_OBJ) $(REPLAY_OBJS) $(B)/obj/tools/replay/rp_rtl.o $(BRTL_B)/rtl_nic_replay.o \
                   $(FW_LIB) $(BRTL_B)/model_replay/Vtoffee_top__ALL.a
	@mkdir -p $(dir $@)
	@echo "LINK $@"
	@nice $(CXX) -O2 $(REPLAY_MAIN_OBJ) $(REPLAY_OBJS) $(B)/obj/tools/replay/rp_rtl.o $(BRTL_B)/rtl_nic_replay.o \
	  $(FW_LIB) $(BRTL_B)/model_replay/Vtoffee_top__ALL.a $(BRTL_B)/model_replay/verilated.o \
	  $(BRTL_B)/model_replay/verilated_threads.o $(REPLAY_LIBS) -lpthread -latomic -o $@

toffee-replay-rtl: $(REPLAY_RTL_BIN)
TEST_DEPS += $(REPLAY_RTL_BIN) $(REPLAY_BIN)

.PHONY: bench-rtl toffee-replay-rtl

# make test: every Linux trace through --impl rtl must print what --impl fw prints.
TESTS += tests/trace/test_replay_rtl.sh
# (rtl_nic objects come from a pattern rule: keep them.)
.SECONDARY: $(BRTL_B)/rtl_nic_dw64.o $(BRTL_B)/rtl_nic_dw512.o
