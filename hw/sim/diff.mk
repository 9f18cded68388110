# The differential test of the RTL fast path against the C firmware
# (hw/sim/tb_diff.cpp): toffee_top at DATA_WIDTH 64 with 4096 flows, the
# firmware through tests/lib/fphost. Included by hw/hw.mk.
$(eval $(call hw_tb,diff,toffee_top,,-GDATA_WIDTH=64 -GFLOW_CAP=4096,-I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB)))
