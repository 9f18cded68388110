#!/usr/bin/env bash
# tests/system/test_misbehave.sh on the co-simulated RTL NIC (toffee start
# --backend sim): a misbehaving application's random messages and CMD ring
# garbage are refused and counted, a well-behaved one's transfers intact.
export TOFFEE_BACKEND=sim
exec bash "$(dirname "$0")/test_misbehave.sh"
