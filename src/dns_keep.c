/*
 * dns_keep.c: dns-keep. While a --match watch with DNS names is up, the
 * kernel logs the DNS answers the host receives, forwards or sends (from
 * port 53, nft_rules.c) to the daemon; those that answer a query for the
 * watch's names (dns.c reads them) give their A and AAAA addresses, each
 * put into the watch's set W_dns for the record's TTL, at least the
 * watch's and at most KEEP_MAX_S: while an address is there, a packet to
 * or from it refreshes the watch's element, as a packet the expression
 * matches does, with no work of the daemon per packet.
 *
 * Bounded: the kernel's set holds dns-keep-max addresses (an address
 * beyond them is not kept, said once a cycle); the daemon remembers, for
 * `tuninetctl why' and the log, the name each was asked by, in a table
 * of the same bound, whose entries past the time they were given are
 * taken for new addresses when it is full. An address is logged when it
 * is first kept in a cycle; an answer that gives it again renews its
 * time (a kernel before 6.10 keeps the first timeout of an element added
 * again: there, traffic to it renews it, to the watch's TTL, and nothing
 * else does). Idle again, the set is emptied with the watch's element
 * (nft_rules_forget) and the table with it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_keep.h"
#include "log.h"
#include "loop.h"
#include "nft_rules.h"
#include "packet.h"
#include "sensor.h"

#define KEEP_MAX_S	86400		/* a record's TTL, at most */
#define ANSWER_ADDRS	32		/* addresses of one answer read */

struct kept {
	int		 family;	/* 4 or 6 */
	uint8_t		 addr[16];
	char		 name[DNS_NAME_MAX];
	int64_t		 until;		/* loop clock: the time it was given */
};

_Static_assert(sizeof ((struct sensor_kept *)0)->name == DNS_NAME_MAX &&
    sizeof ((struct sensor_kept *)0)->addr == INET6_ADDRSTRLEN,
    "sensor_kept holds a DNS name and an address as text");

struct dns_keep {
	struct nft_rules	*rules;
	const struct sensor	*sensor;	/* whose log lines */
	char			*patterns;
	unsigned		 max;
	struct kept		*kept;
	unsigned		 n;
	bool			 said_full, said_family;
};

struct dns_keep *
dns_keep_new(struct nft_rules *rules, const char *patterns, unsigned max,
    const struct sensor *s)
{
	struct dns_keep *k;

	if ((k = calloc(1, sizeof *k)) == NULL ||
	    (k->patterns = strdup(patterns)) == NULL)
		fatal("calloc");
	k->rules = rules;
	k->sensor = s;
	k->max = max;
	return k;
}

static struct kept *
find(struct dns_keep *k, int family, const uint8_t *addr)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		if (k->kept[i].family == family && memcmp(k->kept[i].addr, addr,
		    family == 4 ? 4 : 16) == 0)
			return &k->kept[i];
	return NULL;
}

/* room for a new address: a new entry, or the one longest past the time
 * it was given (traffic may have kept it in the kernel's set since, then
 * shown without its name); NULL if none is past */
static struct kept *
slot(struct dns_keep *k)
{
	int64_t now = now_ns();
	struct kept *old = NULL;
	unsigned i;

	if (k->n < k->max) {
		if (k->n % 16 == 0 && (k->kept = reallocarray(k->kept,
		    k->n + 16, sizeof *k->kept)) == NULL)
			fatal("reallocarray");
		return &k->kept[k->n++];
	}
	for (i = 0; i < k->n; i++)
		if (k->kept[i].until < now && (old == NULL ||
		    k->kept[i].until < old->until))
			old = &k->kept[i];
	return old;
}

static void
keep(struct dns_keep *k, const char *name, const struct dns_addr *a,
    int64_t ttl)
{
	enum nft_family f = a->family == 4 ? NFT_IP : NFT_IP6;
	int64_t s = a->ttl > KEEP_MAX_S ? KEEP_MAX_S : a->ttl;
	char text[INET6_ADDRSTRLEN];
	struct kept *kp;

	if (s * NSEC_PER_SEC < ttl)
		s = (ttl + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, text,
	    sizeof text);
	if (nft_rules_keep_add(k->rules, f, a->addr, s * 1000) == -1) {
		if (errno == ENFILE && !k->said_full) {
			k->said_full = true;
			sensor_log(k->sensor, log_warnx, "NFT: dns-keep: %s "
			    "(%s) not kept: set %s_dns holds dns-keep-max %u "
			    "addresses already", text, name,
			    nft_rules_name(k->rules), k->max);
		} else if (errno == EAFNOSUPPORT && !k->said_family) {
			k->said_family = true;
			sensor_log(k->sensor, log_warnx, "NFT: dns-keep: %s "
			    "(%s) not kept: the match has no IPv%d rules",
			    text, name, a->family);
		}
		return;
	}
	if ((kp = find(k, a->family, a->addr)) != NULL) {
		snprintf(kp->name, sizeof kp->name, "%s", name);
		kp->until = now_ns() + s * NSEC_PER_SEC;
		return;
	}
	if ((kp = slot(k)) == NULL)
		return;		/* kept, by the kernel; its name is not */
	kp->family = a->family;
	memcpy(kp->addr, a->addr, sizeof kp->addr);
	snprintf(kp->name, sizeof kp->name, "%s", name);
	kp->until = now_ns() + s * NSEC_PER_SEC;
	sensor_log(k->sensor, log_info, "NFT: dns-keep %s (%s) for %lld s",
	    text, name, (long long)s);
}

/* An answer the kernel logged (the watch starting or up): its addresses
 * kept, if it answers a query for the watch's names. ttl: the watch's,
 * in ns. */
void
dns_keep_answer(struct dns_keep *k, const struct sensor_packet *sp,
    int64_t ttl)
{
	struct dns_addr a[ANSWER_ADDRS];
	struct packet_info pi;
	struct dns_query q;
	int n, i;

	if (sp->kind != REPORT_PACKET || sp->data == NULL)
		return;
	packet_decode(sp->linktype, sp->data, sp->caplen, &pi);
	if (dns_answer_of(&pi, &q, a, ANSWER_ADDRS, &n) != DNS_QUERY ||
	    !dns_match(k->patterns, q.name))
		return;
	for (i = 0; i < n; i++)
		keep(k, q.name, &a[i], ttl);
}

/* idle again (the kernel's set was emptied with the element) */
void
dns_keep_clear(struct dns_keep *k)
{
	k->n = 0;
	k->said_full = k->said_family = false;
}

unsigned
dns_keep_count(const struct dns_keep *k)
{
	return k->n;
}

struct listing {
	struct dns_keep		*k;
	struct sensor_kept	*out;
	int			 max, n;
};

static void
listed(enum nft_family f, const uint8_t *addr, int64_t ms, void *arg)
{
	struct listing *l = arg;
	struct sensor_kept *o;
	int family = f == NFT_IP ? 4 : 6;
	struct kept *kp;

	if (l->n >= l->max)
		return;
	o = &l->out[l->n++];
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, o->addr,
	    sizeof o->addr);
	kp = find(l->k, family, addr);
	snprintf(o->name, sizeof o->name, "%s", kp != NULL ? kp->name : "?");
	o->left = ms * 1000000;
}

/* the addresses as the kernel holds them now, with their names */
int
dns_keep_list(struct dns_keep *k, struct sensor_kept *out, int max)
{
	struct listing l = { .k = k, .out = out, .max = max };

	nft_rules_keep_list(k->rules, listed, &l);
	return l.n;
}

void
dns_keep_free(struct dns_keep *k)
{
	if (k == NULL)
		return;
	free(k->kept);
	free(k->patterns);
	free(k);
}
