/* dns_keep.h: dns-keep, the addresses of the answers to a --match
 * watch's queries, kept in the kernel's set while the watch is up */
#ifndef TUNINETD_DNS_KEEP_H
#define TUNINETD_DNS_KEEP_H

#include <stdint.h>

struct nft_rules;
struct sensor;
struct sensor_kept;
struct sensor_packet;

struct dns_keep;

struct dns_keep	*dns_keep_new(struct nft_rules *, const char *patterns,
		    unsigned max, const struct sensor *);
void		 dns_keep_answer(struct dns_keep *, const struct sensor_packet *,
		    int64_t ttl);
void		 dns_keep_clear(struct dns_keep *);
int		 dns_keep_list(struct dns_keep *, struct sensor_kept *, int max);
unsigned	 dns_keep_count(const struct dns_keep *);
void		 dns_keep_free(struct dns_keep *);

#endif
