# Transmit side of the protocol engine (docs/rtl.md): tx_frame, tx_segment,
# tx_sched, each against the firmware (libfp.a, through tests/lib/fphost
# where frames are involved). Included by hw/hw.mk.
TX_FW_FLAGS := -I$(CURDIR)/firmware -I$(CURDIR)/tests/lib
$(foreach w,64 512,$(eval $(call hw_tb,tx_frame,tx_frame,_dw$(w),-GDATA_WIDTH=$(w),-DDW=$(w) $(TX_FW_FLAGS),$(HW_B)/fphost.o $(FW_LIB))))
$(eval $(call hw_tb,tx_segment,tx_segment,,,$(TX_FW_FLAGS),$(HW_B)/fphost.o $(FW_LIB)))
$(foreach c,16 1024,$(eval $(call hw_tb,tx_sched,tx_sched,_cap$(c),-GFLOW_CAP=$(c),-DCAP=$(c) $(TX_FW_FLAGS),$(HW_B)/fphost.o $(FW_LIB))))
