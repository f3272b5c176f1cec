/* nft_int.h: what nft_compile.c and nft_rules.c share */
#ifndef TUNINETD_NFT_INT_H
#define TUNINETD_NFT_INT_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft_rules.h"

#define NFT_SETS_MAX	16	/* anonymous sets of one expression */
#define NFT_NAME_MAX	40

/* netlink messages, one after another */
struct nft_msgs {
	uint8_t		*p;
	size_t		 len;
};

/* The user's expression as the kernel holds it, one per family it can
 * match: its rule, and each anonymous set it looks up (the set, then its
 * elements), as the kernel sent them; parsed again for each copy. */
struct nft_compiled {
	bool		 have;
	struct nft_msgs	 rule;
	struct nft_msgs	 sets[NFT_SETS_MAX];
	int		 nsets;
};

struct nft_rules {
	char		 name[NFT_NAME_MAX];	/* its set and chains */
	unsigned	 hooks;			/* by NF_INET_* */
	unsigned	 ttl;			/* seconds */
	int		 session;		/* enum session_kind */
	unsigned	 session_max;
	/* the element is the daemon's to add (--dns-name: a packet the
	 * kernel cannot tell from a query for a watch's names must not) */
	bool		 daemon_adds;
	uint32_t	 keep_mark, keep_mask;	/* --keep-connections, or 0 */
	unsigned	 dns_keep_max;		/* dns-keep's set size, or 0 */
	struct nft_first first;			/* as installed */
	char		 prefix[128], answer_prefix[128];
	struct nft_compiled fam[NFT_FAMILIES];
	bool		 installed[NFT_FAMILIES];
	struct nft_rules *next;
};

extern struct nft_rules *nft_all;		/* those not freed */

int		 nft_family_proto(enum nft_family);
const char	*nft_family_name(enum nft_family);
void		 nft_msgs_add(struct nft_msgs *, const struct nlmsghdr *);
int		 nft_dump(uint16_t type, enum nft_family, const char *table,
		    const char *set, mnl_cb_t, void *arg);

#endif
