# tests/bed.sh: sourced by the integration tests, the benchmark and the
# soak test. A test bed of two network namespaces, $NS_A and $NS_B, joined
# by a veth pair ($VA in A with $ADDR_A/24, $VB in B with $ADDR_B/24);
# the nftables ruleset given on stdin is loaded in B. The caller picks
# names that carry its pid, so runs never meet.
bed_create() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VA" netns "$NS_A" && ip link set "$VB" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$VA" &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$VB" &&
	ip -n "$NS_A" link set "$VA" up && ip -n "$NS_B" link set "$VB" up &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip netns exec "$NS_B" nft -f -
}

# bed_destroy: end what still runs in the namespaces, then remove them
bed_destroy() {
	local ns p
	for ns in "$NS_A" "$NS_B"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$VA" 2>/dev/null
	return 0
}
