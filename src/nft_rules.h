/* nft_rules.h: the daemon's own netfilter rules for --match watches */
#ifndef TUNINETD_NFT_RULES_H
#define TUNINETD_NFT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct watch_conf;

#define NFT_TABLE		"tuninetd"
#define NFT_PRIORITY		(-180)	/* after conntrack, before mangle,
					   NAT and filter */
#define NFT_LOG_GROUP		29700	/* first packets of --match watches */
#define NFT_QUEUE_FIRST		29700	/* --hold-first queues from here */
#define NFT_QUEUE_TRIES		64

enum nft_family { NFT_IP, NFT_IP6, NFT_FAMILIES };

/* where a watch's first packets go: an NFLOG group and prefix, or an
 * NFQUEUE queue (queue >= 0); and its DNS answers (dns-keep), to the
 * same group with a prefix of their own */
struct nft_first {
	int		 log_group;
	const char	*log_prefix;
	int		 queue;
	const char	*answer_prefix;
};

struct nft_rules;

/* a session's key as the kernel's set holds it (fields padded to 32
 * bits), in the family's table */
#define NFT_KEY_MAX	44
struct nft_key {
	enum nft_family	 family;
	uint8_t		 len;
	uint8_t		 bytes[NFT_KEY_MAX];
};

/* true once an expression has been compiled: a daemon without --match
 * never calls into these files (their pages are not read in) */
extern bool	 nft_rules_used;

/* nft_compile.c: the user's expression, read by libnftables */
bool		 nft_match_check(const char *match, char *err, size_t);
struct nft_rules *nft_rules_compile(const struct watch_conf *, char *err,
		    size_t);
bool		 nft_rules_has(const struct nft_rules *, enum nft_family);

/* nft_rules.c: the tables, one netlink socket that owns them */
int		 nft_rules_install(struct nft_rules *, const struct nft_first *,
		    char *err, size_t);
void		 nft_rules_remove(struct nft_rules *);
void		 nft_rules_begin(void);
int		 nft_rules_commit(char *err, size_t);
int64_t		 nft_rules_left(struct nft_rules *);
int64_t		 nft_rules_key_left(struct nft_rules *, const struct nft_key *);
int	nft_rules_key_add(struct nft_rules *, const struct nft_key *,
	    int64_t ms);
int		 nft_rules_refresh(struct nft_rules *);
int		 nft_rules_keep_add(struct nft_rules *, enum nft_family,
		    const uint8_t *addr, int64_t ms);
void		 nft_rules_keep_list(struct nft_rules *,
		    void (*)(enum nft_family, const uint8_t *addr, int64_t ms,
		    void *), void *);
int		 nft_rules_forget(struct nft_rules *);
int		 nft_rules_retime(struct nft_rules *, unsigned ttl);
void		 nft_rules_free(struct nft_rules *);
const char	*nft_rules_name(const struct nft_rules *);
char		*nft_rules_list(void);

#endif
