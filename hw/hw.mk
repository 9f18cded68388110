# toffee RTL (hw/rtl) and its Verilator testbenches (hw/sim).
# Included from the top Makefile:  include hw/hw.mk
# Targets: abi-sv (regenerate the ABI package), lint-rtl, synth, and the
# testbenches registered in TESTS / TEST_DEPS. See docs/rtl.md.
HW_B     := $(B)/hw
ABI2SV   := $(HW_B)/abi2sv

# --- ABI package: generated from include/toffee/abi.h, committed ---------------
$(ABI2SV): tools/abi2sv.c include/toffee/abi.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Iinclude $< -o $@

abi-sv: $(ABI2SV)
	$(ABI2SV) > hw/rtl/toffee_abi_pkg.sv

TESTS += hw/sim/check_abi_pkg.sh

.PHONY: abi-sv
