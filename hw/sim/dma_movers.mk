# Testbenches of the data movers dma_write_bytes and dma_read_bytes
# (hw/sim/tb_dma_movers.cpp), at DATA_WIDTH 64 and 512. Included by hw/hw.mk.
$(foreach w,64 512,$(eval $(call hw_tb,dma_movers,dma_write_bytes,_wr_dw$(w),-GDATA_WIDTH=$(w),-DWRITE -DDW=$(w))))
$(foreach w,64 512,$(eval $(call hw_tb,dma_movers,dma_read_bytes,_rd_dw$(w),-GDATA_WIDTH=$(w) -GTAG_WIDTH=8,-DREAD -DDW=$(w))))
