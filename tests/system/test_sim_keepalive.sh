#!/usr/bin/env bash
# tests/system/test_keepalive.sh on the co-simulated RTL NIC (toffee start
# --backend sim): probes answered while the flow is marked SLOWPATH (the
# RTL's TOFFEE_CMD_SET_SLOWPATH), a vanished peer timed out.
export TOFFEE_BACKEND=sim
exec bash "$(dirname "$0")/test_keepalive.sh"
