# Shared helpers for system tests (source it). Every name carries a unique
# suffix and everything made is removed by cleanup_all, installed as an EXIT
# trap by ns_init.
NS_SUFFIX="${NS_SUFFIX:-$$}"
NS_CREATED=()
LINKS_CREATED=()
PIDS_STARTED=()

ns_require_root() {
	if [ "$(id -u)" != 0 ]; then echo "skip: needs root"; exit 77; fi
	if [ ! -c /dev/net/tun ]; then echo "skip: no /dev/net/tun"; exit 77; fi
}
cleanup_all() {
	local p n l
	for p in "${PIDS_STARTED[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS_STARTED[@]}"; do wait "$p" 2>/dev/null; done
	for l in "${LINKS_CREATED[@]}"; do ip link del "$l" 2>/dev/null; done
	for n in "${NS_CREATED[@]}"; do ip netns del "$n" 2>/dev/null; done
}
ns_init() { trap cleanup_all EXIT; }
# ns_add NAME: create a namespace (remembered for cleanup) with lo up.
ns_add() { ip netns add "$1" && NS_CREATED+=("$1") && ip -n "$1" link set lo up; }
# veth_add A B: a veth pair (remembered by its first end).
veth_add() { ip link add "$1" type veth peer name "$2" && LINKS_CREATED+=("$1"); }
# bg CMD...: start in background, remembered for cleanup; sets BG_PID.
bg() { "$@" & BG_PID=$!; PIDS_STARTED+=("$BG_PID"); }
