/* packet.h: bounds-checked decode of link, network and transport headers */
#ifndef TUNINETD_PACKET_H
#define TUNINETD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* LINKTYPE_* of the pcap file format (www.tcpdump.org/linktypes.html) */
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101	/* IPv4 or IPv6, by version */
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229
#define LINKTYPE_NFLOG		239
#define LINKTYPE_LINUX_SLL2	276

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_ARP		0x0806
#define ETHERTYPE_8021Q		0x8100
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_8021AD	0x88a8
#define ETHERTYPE_QINQ_OLD	0x9100

#define IPPROTO_NUM_TCP		6
#define IPPROTO_NUM_UDP		17

#define TCP_FLAG_ACK		0x10
#define PACKET_MAX_TAGS		2
#define NFLOG_PREFIX_MAX	128	/* NF_LOG_PREFIXLEN - 1 */

enum packet_net { NET_NONE, NET_IPV4, NET_IPV6, NET_ARP };

struct packet_info {
	/* link layer: Ethernet, cooked capture, or NFLOG's MAC header */
	bool		has_mac_src, has_mac_dst;
	uint8_t		mac_src[6], mac_dst[6];
	int		ntags;
	struct {
		uint16_t tpid, vid;
	}		tags[PACKET_MAX_TAGS];
	bool		has_ethertype;
	uint16_t	ethertype;	/* of the network layer, after any tag */

	/* NFLOG record (LINKTYPE_NFLOG) */
	bool		has_nflog;
	uint16_t	nflog_group;
	char		nflog_prefix[NFLOG_PREFIX_MAX + 1];

	/* network layer */
	enum packet_net	net;
	uint8_t		src[16], dst[16];	/* IPv4 and ARP use 4 */
	bool		has_addrs;
	bool		has_proto;
	uint8_t		proto;		/* after IPv6 extension headers */
	uint16_t	arp_op;

	/* transport layer */
	bool		has_ports;
	uint16_t	sport, dport;
	bool		has_tcp_flags;
	uint8_t		tcp_flags;
	bool		has_icmp;
	uint8_t		icmp_type, icmp_code;
	/* what UDP or TCP carries: into the decoded bytes, as far as they
	 * were captured */
	bool		has_payload;
	const uint8_t	*payload;
	size_t		payload_len;
};

/* A packet's values as a start hook gets them (TUNINETD_SRC, _DST,
 * _PROTO, _SPORT, _DPORT) and replay --json shows them: a string is
 * empty, has_ports false, where the value is unknown. */
struct packet_fields {
	char		 src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char		 proto[16];	/* "tcp", "arp", or the number */
	bool		 has_ports;
	uint16_t	 sport, dport;
};

/* the parts of a LINKTYPE_NFLOG record */
struct nflog_parts {
	uint8_t		 family;	/* AF_INET, AF_INET6, NFPROTO_* */
	uint16_t	 group;
	uint16_t	 hwproto;	/* EtherType of the payload, or 0 */
	uint16_t	 hwtype;	/* ARPHRD_* of hwheader, or 0 */
	const uint8_t	*prefix, *hwheader, *payload;
	size_t		 prefix_len, hwheader_len, payload_len;
	bool		 has_timestamp;	/* the kernel's, of the packet */
	uint64_t	 ts_sec, ts_usec;
};

void		packet_decode(int linktype, const uint8_t *, size_t,
		    struct packet_info *);
bool		packet_nflog_split(const uint8_t *, size_t,
		    struct nflog_parts *);
bool		packet_is_tcp_ack(const struct packet_info *);

/* packet_text.c */
const char	*packet_proto_name(uint8_t proto);	/* "TCP", or NULL */
const char	*packet_proto_keyword(uint8_t proto);	/* "tcp", or NULL */
const char	*packet_ethertype_name(uint16_t);	/* "IPv4", or NULL */
bool		packet_net_line(const struct packet_info *, char *, size_t);
bool		packet_link_line(const struct packet_info *, char *, size_t);
bool		packet_addr(const struct packet_info *, bool dst, char *,
		    size_t);
void		packet_fields(const struct packet_info *,
		    struct packet_fields *);
void		packet_summary(const struct packet_info *, uint32_t len,
		    char *, size_t);

#endif
