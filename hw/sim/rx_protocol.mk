# rx_protocol (the receive protocol step) against fp_rx() itself, through the
# tests/lib harness (hw/hw.mk's hw_tb macro; fphost.o is built there).
$(eval $(call hw_tb,rx_protocol,rx_protocol,,,-I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB)))
