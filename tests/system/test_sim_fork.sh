#!/usr/bin/env bash
# tests/system/test_fork.sh (accept-then-fork servers) on the co-simulated
# RTL NIC: toffee start --backend sim.
export TOFFEE_BACKEND=sim
exec bash "$(dirname "$0")/test_fork.sh"
