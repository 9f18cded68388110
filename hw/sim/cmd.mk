# Testbenches of the command path: cmd_exec (against the firmware itself,
# through the tests/lib harness), ring_reader and dma_read_block (against a
# model with a simulated host memory). Included by hw/hw.mk.
$(eval $(call hw_tb,cmd_exec,cmd_exec,_cap64,-GFLOW_CAP=64,-DCAP=64 -I$(CURDIR)/firmware -I$(CURDIR)/tests/lib,$(HW_B)/fphost.o $(FW_LIB)))
# Against a model with a simulated host memory and DMA channel.
$(foreach w,64 512,$(foreach e,16 32,$(eval $(call hw_tb,ring_reader,ring_reader,_dw$(w)_e$(e),-GDATA_WIDTH=$(w) -GENTRY_BYTES=$(e),-DDW=$(w) -DENTRY=$(e)))))
$(foreach w,64 512,$(eval $(call hw_tb,ring_reader,dma_read_block,_blk_dw$(w),-GDATA_WIDTH=$(w),-DBLOCK -DDW=$(w))))
