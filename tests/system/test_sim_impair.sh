#!/usr/bin/env bash
# tests/system/test_toffee_impair.sh's 5% loss, reordering, duplication and
# corruption phase on the co-simulated RTL NIC (toffee start --backend sim):
# transfers both ways intact, the RTL's ACKs carry SACK and D-SACK blocks.
export TOFFEE_BACKEND=sim
exec bash "$(dirname "$0")/test_toffee_impair.sh"
