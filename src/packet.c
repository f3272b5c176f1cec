/*
 * packet.c: decode the headers of one captured packet into a packet_info.
 *
 * Every read goes through get8/get16 (or a check of the length right
 * before a memcpy), each against the length of the buffer it reads; no
 * packet bytes are ever cast to a struct. A truncated or malformed packet
 * yields whatever was decoded before the damage: the flags in packet_info
 * say what is known.
 */
#include <string.h>

#include "packet.h"

/* NFLOG TLV types (linux/netfilter/nfnetlink_log.h), as LINKTYPE_NFLOG
 * records carry them: 16-bit length and type in host order, 4-aligned. */
#define NFULA_PACKET_HDR	1
#define NFULA_TIMESTAMP		3
#define NFULA_PAYLOAD		9
#define NFULA_PREFIX		10
#define NFULA_HWTYPE		15
#define NFULA_HWHEADER		16
#define NFLA_TYPE_MASK		0x3fff
#define ARPHRD_ETHER_NUM	1

#define AF_INET_NUM		2
#define NFPROTO_ARP_NUM		3
#define AF_INET6_NUM		10

static bool
get8(const uint8_t *p, size_t len, size_t off, uint8_t *v)
{
	if (off >= len)
		return false;
	*v = p[off];
	return true;
}

static bool
get16(const uint8_t *p, size_t len, size_t off, uint16_t *v)
{
	if (len < 2 || off > len - 2)
		return false;
	*v = (uint16_t)(p[off] << 8 | p[off + 1]);
	return true;
}

static bool
get64(const uint8_t *p, size_t len, size_t off, uint64_t *v)
{
	size_t i;

	if (len < 8 || off > len - 8)
		return false;
	for (*v = 0, i = 0; i < 8; i++)
		*v = *v << 8 | p[off + i];
	return true;
}

static void	decode_net(uint16_t ethertype, const uint8_t *, size_t,
		    struct packet_info *);

/* after a UDP header (as long as its length says) or a TCP one (its
 * data offset) */
static void
payload(uint8_t proto, const uint8_t *p, size_t len, struct packet_info *pi)
{
	uint16_t ulen;
	uint8_t off;
	size_t hlen;

	if (proto == IPPROTO_NUM_UDP && get16(p, len, 4, &ulen) && ulen >= 8) {
		hlen = 8;
		if (ulen < len)
			len = ulen;
	} else if (proto == IPPROTO_NUM_TCP && get8(p, len, 12, &off) &&
	    (off >> 4) >= 5)
		hlen = (size_t)(off >> 4) * 4;
	else
		return;
	if (hlen > len)
		return;
	pi->has_payload = true;
	pi->payload = p + hlen;
	pi->payload_len = len - hlen;
}

static void
decode_transport(uint8_t proto, const uint8_t *p, size_t len,
    struct packet_info *pi)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		if (get8(p, len, 13, &pi->tcp_flags))
			pi->has_tcp_flags = true;
		/* FALLTHROUGH */
	case IPPROTO_NUM_UDP:
	case 33:	/* DCCP */
	case 132:	/* SCTP */
	case 136:	/* UDP-Lite */
		if (get16(p, len, 0, &pi->sport) && get16(p, len, 2, &pi->dport))
			pi->has_ports = true;
		payload(proto, p, len, pi);
		break;
	case 1:		/* ICMP */
	case 58:	/* ICMPv6 */
		if (get8(p, len, 0, &pi->icmp_type) &&
		    get8(p, len, 1, &pi->icmp_code))
			pi->has_icmp = true;
		break;
	}
}

static void
decode_ipv4(const uint8_t *p, size_t len, struct packet_info *pi)
{
	uint16_t total, frag;
	uint8_t vihl, proto;
	size_t hlen;

	if (!get8(p, len, 0, &vihl) || vihl >> 4 != 4)
		return;
	pi->net = NET_IPV4;
	if (len < 20)
		return;
	memcpy(pi->src, p + 12, 4);
	memcpy(pi->dst, p + 16, 4);
	pi->has_addrs = true;
	(void)get8(p, len, 9, &proto);
	pi->proto = proto;
	pi->has_proto = true;

	hlen = (size_t)(vihl & 0x0f) * 4;
	(void)get16(p, len, 2, &total);
	(void)get16(p, len, 6, &frag);
	if (total == 0)
		total = len > 65535 ? 65535 : (uint16_t)len;	/* TSO */
	if (hlen < 20 || total < hlen)
		return;
	if (total < len)
		len = total;		/* Ethernet padding is not payload */
	if ((frag & 0x1fff) != 0 || hlen > len)
		return;			/* a later fragment: no header here */
	decode_transport(proto, p + hlen, len - hlen, pi);
}

static bool
ipv6_ext_header(uint8_t nh)
{
	switch (nh) {
	case 0:		/* Hop-by-Hop Options */
	case 43:	/* Routing */
	case 44:	/* Fragment */
	case 51:	/* Authentication Header */
	case 60:	/* Destination Options */
	case 135:	/* Mobility */
	case 139:	/* HIP */
	case 140:	/* Shim6 */
		return true;
	}
	return false;
}

static void
decode_ipv6(const uint8_t *p, size_t len, struct packet_info *pi)
{
	uint16_t plen, frag;
	uint8_t v, nh, hl;
	size_t off = 40, ext;

	if (!get8(p, len, 0, &v) || v >> 4 != 6)
		return;
	pi->net = NET_IPV6;
	if (len < 40)
		return;
	memcpy(pi->src, p + 8, 16);
	memcpy(pi->dst, p + 24, 16);
	pi->has_addrs = true;
	(void)get16(p, len, 4, &plen);
	(void)get8(p, len, 6, &nh);
	if (plen != 0 && (size_t)plen + 40 < len)
		len = (size_t)plen + 40;	/* 0: jumbogram, keep all */

	/* RFC 8200 section 4: walk the extension headers to the upper layer */
	while (ipv6_ext_header(nh)) {
		if (!get8(p, len, off + 1, &hl))
			return;		/* next header unknown: truncated */
		if (nh == 44) {
			if (!get16(p, len, off + 2, &frag))
				return;
			if ((frag & 0xfff8) != 0) {
				(void)get8(p, len, off, &nh);
				pi->proto = nh;
				pi->has_proto = true;
				return;	/* later fragment: no header here */
			}
			ext = 8;
		} else if (nh == 51)
			ext = ((size_t)hl + 2) * 4;	/* RFC 4302 */
		else
			ext = ((size_t)hl + 1) * 8;
		if (!get8(p, len, off, &nh))
			return;
		off += ext;
	}
	pi->proto = nh;
	pi->has_proto = true;
	if (off <= len)
		decode_transport(nh, p + off, len - off, pi);
}

static void
decode_arp(const uint8_t *p, size_t len, struct packet_info *pi)
{
	uint8_t hln, pln;
	uint16_t ptype;

	pi->net = NET_ARP;
	if (!get16(p, len, 2, &ptype) || !get8(p, len, 4, &hln) ||
	    !get8(p, len, 5, &pln) || !get16(p, len, 6, &pi->arp_op))
		return;
	/* RFC 826: sha spa tha tpa after the 8-byte fixed part */
	if (ptype != ETHERTYPE_IPV4 || pln != 4 ||
	    len < 8 + 2 * ((size_t)hln + pln))
		return;
	memcpy(pi->src, p + 8 + hln, 4);
	memcpy(pi->dst, p + 8 + 2 * (size_t)hln + pln, 4);
	pi->has_addrs = true;
}

static void
decode_net(uint16_t ethertype, const uint8_t *p, size_t len,
    struct packet_info *pi)
{
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		decode_ipv4(p, len, pi);
		break;
	case ETHERTYPE_IPV6:
		decode_ipv6(p, len, pi);
		break;
	case ETHERTYPE_ARP:
		decode_arp(p, len, pi);
		break;
	}
}

static void
decode_raw(const uint8_t *p, size_t len, struct packet_info *pi)
{
	uint8_t v;

	if (!get8(p, len, 0, &v))
		return;
	if (v >> 4 == 4)
		decode_ipv4(p, len, pi);
	else if (v >> 4 == 6)
		decode_ipv6(p, len, pi);
}

static bool
is_tag(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ_OLD;
}

/* type is the EtherType read just before off: 802.1Q/802.1ad tags, then
 * the network layer. With decode_payload false (a bare MAC header, as
 * NFLOG reports it), stop at the EtherType. */
static void
decode_tags(const uint8_t *p, size_t len, size_t off, uint16_t type,
    struct packet_info *pi, bool decode_payload)
{
	uint16_t tci, next;

	while (is_tag(type)) {
		if (!get16(p, len, off, &tci) || !get16(p, len, off + 2, &next))
			return;
		if (pi->ntags < PACKET_MAX_TAGS) {
			pi->tags[pi->ntags].tpid = type;
			pi->tags[pi->ntags].vid = tci & 0x0fff;
			pi->ntags++;
		}
		type = next;
		off += 4;
	}
	if (type < 0x0600)
		return;			/* an 802.3 length: LLC, not decoded */
	pi->ethertype = type;
	pi->has_ethertype = true;
	if (decode_payload)
		decode_net(type, p + off, len - off, pi);
}

static void
decode_ethernet(const uint8_t *p, size_t len, struct packet_info *pi,
    bool decode_payload)
{
	uint16_t type;

	if (len < 12)
		return;
	memcpy(pi->mac_dst, p, 6);
	memcpy(pi->mac_src, p + 6, 6);
	pi->has_mac_dst = pi->has_mac_src = true;
	if (get16(p, len, 12, &type))
		decode_tags(p, len, 14, type, pi, decode_payload);
}

/* Linux cooked capture: v1 (16 bytes) and v2 (20 bytes) headers. */
static void
decode_sll(const uint8_t *p, size_t len, bool v2, struct packet_info *pi)
{
	size_t hdr = v2 ? 20 : 16, hat = v2 ? 8 : 2, hal = v2 ? 11 : 4;
	size_t addr = v2 ? 12 : 6;
	uint16_t type, hatype;
	uint8_t halen;

	if (len < hdr || !get16(p, len, v2 ? 0 : 14, &type) ||
	    !get16(p, len, hat, &hatype))
		return;
	if (v2)
		(void)get8(p, len, hal, &halen);
	else {
		uint16_t l;

		(void)get16(p, len, hal, &l);
		halen = l > 255 ? 255 : (uint8_t)l;
	}
	if (hatype == ARPHRD_ETHER_NUM && halen == 6) {
		memcpy(pi->mac_src, p + addr, 6);
		pi->has_mac_src = true;
	}
	decode_tags(p, len, hdr, type, pi, true);
}

/* LINKTYPE_NFLOG: family, version, resource id (the group, big-endian),
 * then the NFULA_* attributes of the netlink message, as TLVs. */
bool
packet_nflog_split(const uint8_t *p, size_t len, struct nflog_parts *np)
{
	uint16_t tlen, ttype;
	size_t off = 4;

	memset(np, 0, sizeof *np);
	if (!get8(p, len, 0, &np->family) || !get16(p, len, 2, &np->group))
		return false;
	while (len >= 4 && off <= len - 4) {
		memcpy(&tlen, p + off, 2);
		memcpy(&ttype, p + off + 2, 2);
		if (tlen < 4 || tlen > len - off)
			break;
		const uint8_t *v = p + off + 4;
		size_t vlen = tlen - 4u;

		switch (ttype & NFLA_TYPE_MASK) {
		case NFULA_PACKET_HDR:
			(void)get16(v, vlen, 0, &np->hwproto);
			break;
		case NFULA_TIMESTAMP:	/* be64 seconds, be64 microseconds */
			np->has_timestamp = get64(v, vlen, 0, &np->ts_sec) &&
			    get64(v, vlen, 8, &np->ts_usec);
			break;
		case NFULA_PREFIX:
			np->prefix = v;
			np->prefix_len = strnlen((const char *)v, vlen);
			break;
		case NFULA_HWTYPE:
			(void)get16(v, vlen, 0, &np->hwtype);
			break;
		case NFULA_HWHEADER:
			np->hwheader = v;
			np->hwheader_len = vlen;
			break;
		case NFULA_PAYLOAD:
			np->payload = v;
			np->payload_len = vlen;
			break;
		}
		off += (tlen + 3u) & ~3u;
	}
	return true;
}

static void
decode_nflog(const uint8_t *p, size_t len, struct packet_info *pi)
{
	struct nflog_parts np;
	size_t n;

	if (!packet_nflog_split(p, len, &np))
		return;
	pi->has_nflog = true;
	pi->nflog_group = np.group;
	n = np.prefix_len < NFLOG_PREFIX_MAX ? np.prefix_len : NFLOG_PREFIX_MAX;
	if (np.prefix != NULL)
		memcpy(pi->nflog_prefix, np.prefix, n);
	pi->nflog_prefix[n] = '\0';
	if (np.hwheader != NULL && np.hwtype == ARPHRD_ETHER_NUM)
		decode_ethernet(np.hwheader, np.hwheader_len, pi, false);
	if (np.payload == NULL)
		return;
	if (np.family == AF_INET_NUM)
		decode_ipv4(np.payload, np.payload_len, pi);
	else if (np.family == AF_INET6_NUM)
		decode_ipv6(np.payload, np.payload_len, pi);
	else if (np.family == NFPROTO_ARP_NUM)
		decode_arp(np.payload, np.payload_len, pi);
	else if (np.hwproto != 0)
		decode_net(np.hwproto, np.payload, np.payload_len, pi);
	else
		decode_raw(np.payload, np.payload_len, pi);
}

void
packet_decode(int linktype, const uint8_t *p, size_t len,
    struct packet_info *pi)
{
	memset(pi, 0, sizeof *pi);
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		decode_ethernet(p, len, pi, true);
		break;
	case LINKTYPE_RAW:
		decode_raw(p, len, pi);
		break;
	case LINKTYPE_IPV4:
		decode_ipv4(p, len, pi);
		break;
	case LINKTYPE_IPV6:
		decode_ipv6(p, len, pi);
		break;
	case LINKTYPE_LINUX_SLL:
		decode_sll(p, len, false, pi);
		break;
	case LINKTYPE_LINUX_SLL2:
		decode_sll(p, len, true, pi);
		break;
	case LINKTYPE_NFLOG:
		decode_nflog(p, len, pi);
		break;
	}
}

bool
packet_is_tcp_ack(const struct packet_info *pi)
{
	return pi->has_proto && pi->proto == IPPROTO_NUM_TCP &&
	    pi->has_tcp_flags && (pi->tcp_flags & TCP_FLAG_ACK);
}
