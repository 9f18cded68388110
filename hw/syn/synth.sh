#!/usr/bin/env bash
# make synth: yosys synth_xilinx -family xcup of toffee_top (hw/rtl/toffee.f)
# at DATA_WIDTH 64 and 512 with FLOW_CAP flows (default 65536).
#  - resources from the standard flow (UltraScale+ cells: CARRY8, URAM288);
#  - logic depth from a second run with -abc9 and `sta` (yosys 0.23 has no
#    xcup timing for abc9 and falls back to xc7 delays, and carry chains have
#    no timing arcs: the figure counts LUTs on the slowest LUT path).
# Usage: hw/syn/synth.sh OUTDIR JSON   (logs and stat/sta dumps in OUTDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/hw/synth}
json=${2:-build/bench/synth.json}
flow_cap=${FLOW_CAP:-65536}
widths=${WIDTHS:-64 512}
mkdir -p "$out" "$(dirname "$json")"
files=$(grep -E '^hw/rtl/.*\.sv$' hw/rtl/toffee.f | tr '\n' ' ')
read_cmd="read_verilog -sv $files; hierarchy -check -top toffee_top -chparam DATA_WIDTH %d -chparam FLOW_CAP $flow_cap"
for dw in $widths; do
  rd=$(printf "$read_cmd" "$dw")
  echo "synth: DATA_WIDTH=$dw FLOW_CAP=$flow_cap (resources)"
  yosys -q -l "$out/dw$dw.log" -p "$rd; synth_xilinx -family xcup -flatten -noiopad; tee -q -o $out/dw$dw.stat stat" >/dev/null
  echo "synth: DATA_WIDTH=$dw FLOW_CAP=$flow_cap (abc9 + sta)"
  yosys -q -l "$out/dw$dw.abc9.log" -p "$rd; synth_xilinx -family xcup -flatten -noiopad -abc9; tee -q -o $out/dw$dw.sta sta" >/dev/null
done
/usr/bin/python3 hw/syn/report.py "$out" "$json" $widths
