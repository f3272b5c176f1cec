/* dns.h: --dns-name, a DNS query's name against the watch's patterns */
#ifndef TUNINETD_DNS_H
#define TUNINETD_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct packet_info;

#define DNS_NAME_MAX	256	/* as text, escapes included: 255 + NUL */
#define DNS_TYPE_MAX	16
#define DNS_PATTERNS_MAX 64

/* a question of a query: its name as asked (lower case, no trailing
 * dot), its type as a word ("A", "AAAA", "TYPE65") */
struct dns_query {
	char	 name[DNS_NAME_MAX];
	char	 type[DNS_TYPE_MAX];
};

/* dns-keep: an address of an answer's A or AAAA record */
struct dns_addr {
	int		 family;	/* 4 or 6 */
	uint8_t		 addr[16];
	uint32_t	 ttl;		/* the record's, in seconds */
};

/* what a packet is, to --dns-name */
enum dns_kind {
	DNS_NONE,	/* not a datagram or segment to port 53 */
	DNS_BAD,	/* to port 53, but no DNS message we read */
	DNS_OTHER,	/* a message, not a standard query of one question */
	DNS_QUERY,	/* a query (an answer, to dns_answer_of): q filled */
};

int		dns_load(char *err, size_t);
enum dns_kind	dns_query_of(const struct packet_info *, struct dns_query *);
enum dns_kind	dns_answer_of(const struct packet_info *, struct dns_query *,
		    struct dns_addr *, int max, int *n);
bool		dns_patterns(const char *list, char *out, size_t outlen,
		    char *err, size_t errlen);
bool		dns_match(const char *patterns, const char *name);

#endif
