#!/usr/bin/env bash
# Install the Debian packages toffee needs, once. Usage: scripts/deps.sh [group...]
# Groups: build (default), test, sim, system. Does nothing when all are present.
set -euo pipefail
declare -A PKGS=(
  [build]="build-essential pkg-config libssl-dev libpcap-dev libcmocka-dev clang libclang-rt-14-dev"
  [test]="valgrind liblwip-dev tcpdump tshark"
  [sim]="verilator yosys"
  [system]="libdpdk-dev dpdk iproute2 iputils-ping ethtool bc iperf3 redis-server redis-tools memcached libmemcached-tools nginx-light curl python3"
)
groups=("$@"); [ ${#groups[@]} -gt 0 ] || groups=(build)
want=()
for g in "${groups[@]}"; do
  for p in ${PKGS[$g]:?unknown group $g}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || want+=("$p")
  done
done
[ ${#want[@]} -eq 0 ] && exit 0
echo "deps: installing ${want[*]}" >&2
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${want[@]}" >&2
