# Testbench of the command path: cmd_exec against the firmware itself,
# through the tests/lib harness. Included by hw/hw.mk.
$(eval $(call hw_tb,cmd_exec,cmd_exec,_cap64,-GFLOW_CAP=64,-DCAP=64 -I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB)))
