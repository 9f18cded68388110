#!/usr/bin/env bash
# tests/system/test_hostile.sh on the co-simulated RTL NIC (toffee start
# --backend sim): SYN flood and SYN cookies, forged cookie answers, blind
# RSTs, SYNs and data (the RTL's P10 for an ACK field too far back) on a
# live 32 MiB transfer.
export TOFFEE_BACKEND=sim
exec bash "$(dirname "$0")/test_hostile.sh"
