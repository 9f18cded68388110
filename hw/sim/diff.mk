# The differential test of the RTL fast path against the C firmware
# (hw/sim/tb_diff.cpp): toffee_top with 4096 flows at DATA_WIDTH 64 and 512,
# the firmware through tests/lib/fphost. Included by hw/hw.mk. The MAC
# transmit FIFO is the smallest allowed (4 KiB), so a paused MAC fills it.
TB_DIFF_PARTS := hw/sim/tb_diff_flows.cpp hw/sim/tb_diff_work.cpp hw/sim/tb_diff_trace.cpp hw/sim/tb_diff_race.cpp
$(eval $(call hw_tb,diff,toffee_top,,-GDATA_WIDTH=64 -GFLOW_CAP=4096 -GMAC_TX_FIFO_DEPTH=512,-DDW=64 -DFLOW_CAP=4096 -I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB),hw/sim/rtl_nic.cpp $(TB_DIFF_PARTS)))
$(eval $(call hw_tb,diff,toffee_top,_dw512,-GDATA_WIDTH=512 -GFLOW_CAP=4096 -GMAC_TX_FIFO_DEPTH=64,-DDW=512 -DFLOW_CAP=4096 -DNSEG_DEFAULT=600 -I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB),hw/sim/rtl_nic.cpp $(TB_DIFF_PARTS)))
