#!/usr/bin/env bash
# make bench-fw: count instructions per common-case operation of the toffee
# fast path and of lwIP with callgrind, print a table, write fw.json.
# Usage: bench/run-fw.sh BENCH_BINARY OUTDIR [fwbench options...]
#
# The program is run once plainly (it verifies both stacks' behaviour and
# prints how many operations each phase measured), then once per phase
# under callgrind with --collect-atstart=no --toggle-collect=<wrapper>, so
# each output file holds exactly the instructions executed inside that
# phase's measured calls. bench/cgsum.awk turns a file into per-function
# self/inclusive costs; from the total we subtract
#   inclusive: fwb_payload_copy fp_payload_copy fwb_mac_copy fp_csum_payload lwip_standard_chksum
#   self:      the wrappers fwb_op_* and lwIP's application callbacks
# and divide by the number of operations. See bench/README.md.
set -euo pipefail
bin=$1 out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "bench-fw: valgrind missing (scripts/deps.sh test)" >&2; exit 1; }

"$bin" "$@" > "$out/fwbench.txt"
grep -q '^FWB done' "$out/fwbench.txt" || { echo "bench-fw: fwbench failed" >&2; exit 1; }

# phase  wrappers (toggle-collect)
phases=(
  "tf_rx:fwb_op_tf_rx,fwb_op_tf_rx_flush"
  "tf_ack:fwb_op_tf_ack"
  "tf_tx:fwb_op_tf_tx"
  "tf_txb:fwb_op_tf_txb"
  "tf_idle:fwb_op_tf_idle"
  "lw_rx:fwb_op_lw_rx"
  "lw_rx_delack:fwb_op_lw_rx_delack"
  "lw_tx:fwb_op_lw_tx"
  "lw_ack:fwb_op_lw_ack"
)
SUB_INCL="fwb_payload_copy fp_payload_copy fwb_mac_copy fp_csum_payload lwip_standard_chksum"
SUB_SELF="fwb_op_tf_rx fwb_op_tf_rx_flush fwb_op_tf_ack fwb_op_tf_tx fwb_op_tf_txb fwb_op_tf_idle fwb_op_lw_rx fwb_op_lw_rx_delack fwb_op_lw_tx fwb_op_lw_ack fwb_lw_app_recv fwb_lw_app_sent"
PLATFORM="fwb_plat_tx fwb_plat_dma_read fwb_plat_dma_write fwb_plat_dma_write_entry fwb_plat_notify fwb_lw_linkoutput"

pids=()
for p in "${phases[@]}"; do
  name=${p%%:*} wrappers=${p#*:}
  toggles=()
  for w in ${wrappers//,/ }; do toggles+=("--toggle-collect=$w"); done
  valgrind --tool=callgrind --collect-atstart=no "${toggles[@]}" \
    --callgrind-out-file="$out/cg.$name.out" "$bin" "$@" \
    > "$out/cg.$name.txt" 2> "$out/cg.$name.log" &
  pids+=($!)
  # at most nproc runs at a time
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done

# phase results: name ops total sub_incl sub_self platform net per_op
: > "$out/phases.txt"
for p in "${phases[@]}"; do
  name=${p%%:*}
  grep -q '^FWB done' "$out/cg.$name.txt" || { echo "bench-fw: run under callgrind failed ($name), see $out/cg.$name.log" >&2; exit 1; }
  ops=$(awk -v n="$name" '$1=="FWB" && $2=="ops" && $3==n {print $4}' "$out/fwbench.txt")
  awk -f "$here/cgsum.awk" "$out/cg.$name.out" > "$out/cg.$name.sum"
  awk -v name="$name" -v ops="$ops" -v si="$SUB_INCL" -v ss="$SUB_SELF" -v pl="$PLATFORM" '
    BEGIN { split(si, a); for (i in a) SI[a[i]] = 1; split(ss, b); for (i in b) SS[b[i]] = 1
            split(pl, c); for (i in c) PL[c[i]] = 1 }
    $1 == "total" { total = $2 }
    $1 == "fn" { if ($4 in SI) sub_incl += $3
                 if ($4 in SS) sub_self += $2
                 if ($4 in PL) plat += $3 }
    # payload/MAC copies made by the platform glue are not glue
    $1 == "call" && ($3 in PL) && ($4 in SI) { plat -= $2 }
    END { net = total - sub_incl - sub_self
          printf "%s %d %d %d %d %d %d %.1f %.1f\n", name, ops, total, sub_incl, sub_self, plat, net, net / ops, (net - plat) / ops }
  ' "$out/cg.$name.sum" >> "$out/phases.txt"
done

info() { awk -v k="$1" '$1=="FWB" && $2=="info" && $3==k {print $4}' "$out/fwbench.txt"; }
val() { awk -v n="$1" -v c="$2" '$1==n {print $c}' "$out/phases.txt"; }

# What dominates each toffee phase: functions by self cost per operation,
# excluding the subtracted ones and the harness.
{
  for ph in tf_rx tf_ack tf_tx tf_txb tf_idle; do
    ops=$(val "$ph" 2)
    echo "== $ph: instructions per operation by function: self (net of subtracted work), inclusive (gross)"
    awk -v ops="$ops" -v si="$SUB_INCL" -v ss="$SUB_SELF" '
      BEGIN { split(si, a); for (i in a) { X[a[i]] = 1; I[a[i]] = 1 }
              split(ss, b); for (i in b) X[b[i]] = 1 }
      $1 == "fn" { self[$4] = $2; incl[$4] = $3 }
      # callees of inclusively subtracted functions (memcpy under the copies)
      $1 == "call" && ($3 in I) { under[$4] += $2 }
      END { for (f in self) if (!(f in X) && self[f] - under[f] > 0)
              printf "%9.1f self %9.1f incl  %s\n", (self[f] - under[f]) / ops, incl[f] / ops, f }
    ' "$out/cg.$ph.sum" | sort -k1 -n -r | head -12
  done
} > "$out/profile.txt"

rx=$(val tf_rx 8) ack=$(val tf_ack 8) tx=$(val tf_tx 8) txb=$(val tf_txb 8) idle=$(val tf_idle 8)
lrx=$(val lw_rx 8) lrxd=$(val lw_rx_delack 8) ltx=$(val lw_tx 8) lack=$(val lw_ack 8)
rxc=$(val tf_rx 9) ackc=$(val tf_ack 9) txc=$(val tf_tx 9) txbc=$(val tf_txb 9) idlec=$(val tf_idle 9)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "true" : "false" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "true" : "false" }'; }
verdict() { [ "$1" = true ] && echo met || echo MISSED; }
cap=$(info flow_capacity) fsb=$(info flow_state_bytes) nfl=$(info flows_installed)
ts=$( [ "$(info timestamps)" = 1 ] && echo true || echo false)
lwver=$(dpkg-query -W -f='${Version}' liblwip-dev 2>/dev/null || echo unknown)
vgver=$(valgrind --version)
rx_met=$(le "$rx" 250) ack_met=$(le "$ack" 150) tx_met=$(le "$tx" 250)
ratio_met=$(ge "$(ratio "$lrx" "$rx")" 5)

table() {
  printf '\ntoffee fast path vs lwIP %s: instructions per operation (%s callgrind, Ir)\n' "$lwver" "$vgver"
  printf 'payload copy and payload checksum excluded; mean of %s operations per phase after %s warm-up\n' \
    "$(val tf_rx 2)" "$(info warmup)"
  printf 'toffee flow table: %s flows installed, capacity %s, %s B per flow; TCP timestamps %s; %s B segments; %s ns per op\n\n' \
    "$nfl" "$cap" "$fsb" "$( [ "$ts" = true ] && echo on || echo off)" "$(info segment_payload_bytes)" "$(info step_ns)"
  printf '%-46s %8s %8s %8s %7s %7s\n' "operation" "toffee" "(core)" "lwIP" "lwIP/tf" "target"
  printf '%-46s %8s %8s %8s %7s %7s\n' "----------------------------------------------" "------" "------" "----" "-------" "------"
  printf '%-46s %8.1f %8.1f %8.1f %7s %7s\n' "(a) in-order data segment rx incl. its ACK" "$rx" "$rxc" "$lrx" "$(ratio "$lrx" "$rx")" "<=250"
  printf '%-46s %8s %8s %8.1f %7s %7s\n' "    lwIP with its delayed ACK (1 per 2 segs)" "" "" "$lrxd" "$(ratio "$lrxd" "$rx")" ""
  printf '%-46s %8.1f %8.1f %8.1f %7s %7s\n' "(b) pure ACK rx advancing snd_una" "$ack" "$ackc" "$lack" "$(ratio "$lack" "$ack")" "<=150"
  printf '%-46s %8.1f %8.1f %8.1f %7s %7s\n' "(c) MSS segment tx: fp_poll_tx(1) | tcp_output" "$tx" "$txc" "$ltx" "$(ratio "$ltx" "$tx")" "<=250"
  printf '%-46s %8.1f %8.1f %8s %7s %7s\n' "    per segment of fp_poll(now,$(info round))" "$txb" "$txbc" "" "" ""
  printf '%-46s %8.1f %8.1f %8s %7s %7s\n' "    fp_poll(now,1) with nothing to do (doorbells)" "$idle" "$idlec" "" "" ""
  printf '\n(core): toffee without the benchmark platform'"'"'s glue (DMA of descriptors, MAC hand-off).\n'
  printf 'targets: (a) %s, (b) %s, (c) %s, (a) >= 5x fewer than lwIP: %s\n' \
    "$(verdict "$rx_met")" "$(verdict "$ack_met")" "$(verdict "$tx_met")" "$(verdict "$ratio_met")"
  printf 'per-function profile: %s; callgrind files: %s/cg.*.out\n' "$out/profile.txt" "$out"
}
table | tee "$out/table.txt"

cat > "$out/fw.json" <<EOF
{
  "rx_data_instr": $rx,
  "ack_instr": $ack,
  "tx_seg_instr": $tx,
  "tx_seg_batched_instr": $txb,
  "poll_idle_instr": $idle,
  "rx_data_core_instr": $rxc,
  "ack_core_instr": $ackc,
  "tx_seg_core_instr": $txc,
  "tx_seg_batched_core_instr": $txbc,
  "poll_idle_core_instr": $idlec,
  "lwip_rx_data_instr": $lrx,
  "lwip_rx_data_delack_instr": $lrxd,
  "lwip_ack_instr": $lack,
  "lwip_tx_seg_instr": $ltx,
  "lwip_over_toffee_rx_data": $(ratio "$lrx" "$rx"),
  "lwip_over_toffee_ack": $(ratio "$lack" "$ack"),
  "lwip_over_toffee_tx_seg": $(ratio "$ltx" "$tx"),
  "targets": {
    "rx_data_instr_max": 250, "ack_instr_max": 150, "tx_seg_instr_max": 250,
    "lwip_rx_data_ratio_min": 5,
    "rx_data_met": $rx_met, "ack_met": $ack_met, "tx_seg_met": $tx_met,
    "lwip_ratio_met": $ratio_met
  },
  "flow_state_bytes": $fsb,
  "flow_capacity": $cap,
  "flows_installed": $nfl,
  "ops_per_phase": $(val tf_rx 2),
  "warmup_ops": $(info warmup),
  "batch_round": $(info round),
  "step_ns": $(info step_ns),
  "segment_payload_bytes": $(info segment_payload_bytes),
  "timestamps": $ts,
  "lwip_version": "$lwver",
  "tool": "$vgver callgrind, Ir",
  "excluded_inclusive": "$SUB_INCL",
  "excluded_self": "measurement wrappers fwb_op_*, lwIP application callbacks fwb_lw_app_*"
}
EOF
echo "wrote $out/fw.json"
