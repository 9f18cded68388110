// toffee RTL source list: one file per line, package first. Read by
// Verilator (-f), yosys (hw/syn/synth.sh) and later the Vivado scripts.
hw/rtl/toffee_abi_pkg.sv
hw/rtl/keep_pkg.sv
hw/rtl/axis_frame_fifo.sv
hw/rtl/mac_rx.sv
hw/rtl/mac_tx.sv
hw/rtl/tcp_opt_parse.sv
hw/rtl/rx_parser.sv
hw/rtl/rx_classify.sv
hw/rtl/flow_lookup.sv
hw/rtl/flow_state.sv
hw/rtl/axil_regs.sv
hw/rtl/ring_writer.sv
hw/rtl/dma_rd_arb.sv
hw/rtl/rx_protocol.sv
hw/rtl/cmd_exec.sv
hw/rtl/tx_frame.sv
hw/rtl/frame_buf.sv
hw/rtl/wr_channel.sv
hw/rtl/engine.sv
hw/rtl/skid_buf.sv
hw/rtl/dma_write_bytes.sv
hw/rtl/dma_read_bytes.sv
hw/rtl/tx_segment.sv
hw/rtl/tx_sched.sv
hw/rtl/toffee_top.sv
