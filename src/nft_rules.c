/*
 * nft_rules.c: the daemon's own tables, `table ip tuninetd' and `table
 * ip6 tuninetd', made with flags owner by one netlink socket of this
 * process: no other process may change them, and the kernel deletes them
 * when the socket closes, so they vanish when the daemon exits or is
 * killed. Everything in them is made through that one socket, with
 * libnftnl, in one transaction per watch.
 *
 * A watch W (a --match expression E, hooks H, TTL T) is, per family:
 *
 *   set W { typeof meta nfproto; flags dynamic,timeout }
 *   chain W_<h> { type filter hook <h> priority -180; E jump W }  (each h)
 *   chain W {
 *           meta nfproto != @W  log group 29700 prefix "..."   (or queue)
 *           update @W { meta nfproto timeout T }
 *   }
 *
 * The set's one element says "a matching packet passed less than T ago"
 * and its expiry is the watch's deadline, kept by the kernel to the
 * jiffy, with no work of the daemon per packet. Only a packet that finds
 * the set empty (the first of an idle watch) reaches the daemon: logged
 * to NFT_LOG_GROUP, or held in an NFQUEUE queue (--hold-first), which
 * stops it before the update, so that every packet is held until the
 * daemon adds the element itself, after the start hook. A queue is the
 * xtables NFQUEUE target through nft_compat (what iptables-nft writes):
 * nftables' own queue expression is not in every kernel, the compat one
 * is, and it is why the tables are ip and ip6 (nft_compat takes no inet
 * table). Each watch's chain of a hook is a base chain of its own: a
 * held packet that is accepted goes on to the next base chain, so other
 * watches still see it. The constant key (meta nfproto is 2 in table ip,
 * 10 in ip6) makes one element per family.
 *
 * dns-keep adds, per family, the addresses of the answers to the watch's
 * queries, which the daemon puts in W_dns with the record's TTL (at least
 * the watch's), and two chains, before routing and for what the host
 * sends (between them, every packet the host receives, forwards or sends
 * passes one):
 *
 *   set W_dns { type ipv4_addr; flags timeout; size N }
 *   chain W_dnsin  { type filter hook prerouting priority -180; R }
 *   chain W_dnsout { type filter hook output priority -180; R }
 *
 *   R:  [meta iif != lo] ct direction reply udp sport 53
 *           log group 29700 prefix "... dns"
 *       (the same with tcp)
 *       meta nfproto @W ip saddr @W_dns
 *           update @W_dns { ip saddr timeout T } update @W { ... timeout T }
 *       (the same with ip daddr)
 *
 * Every answer reaches the daemon, which reads it only while the watch
 * starts or is up: the answer to the query that starts the watch passes
 * before the daemon has added the element. Only while the watch is up
 * (its element there) does a packet to or from a kept address count;
 * such a packet renews its address too, to the watch's TTL from it
 * (longer or shorter than the record's), so that one in use stays kept.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "nft_int.h"
#include "nl.h"

#define BATCH_SIZE	(4 * 1024 * 1024)
#define WATCH_ROOM	(256 * 1024)	/* a watch's messages, at most */
/* nftables' datatypes, for nft to print the keys (its datatype.h) */
#define NFT_TYPE_NFPROTO	2
#define NFT_TYPE_IPADDR		7
#define NFT_TYPE_IP6ADDR	8
#define NFT_TYPE_INET_PROTOCOL	12
#define NFT_TYPE_INET_SERVICE	13
#define NFT_TYPE_BITS		6	/* a concatenation's, per field */

static struct mnl_socket *sock;
static unsigned portid, seq;
static bool table_made[NFT_FAMILIES];
static bool queue_expr;		/* nftables' queue, not the xtables target */
static uint8_t batch_buf[BATCH_SIZE];
static uint8_t reply[65536];

int
nft_family_proto(enum nft_family f)
{
	return f == NFT_IP ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

const char *
nft_family_name(enum nft_family f)
{
	return f == NFT_IP ? "ip" : "ip6";
}

/* Its send buffer holds a whole batch: a netlink message (a batch is
 * one) larger than the buffer is refused (EMSGSIZE). */
static struct mnl_socket *
socket_get(void)
{
	int size = BATCH_SIZE;

	if (sock != NULL || (sock = nl_open(&portid, NULL)) == NULL)
		return sock;
	seq = (unsigned)time(NULL);
	if (setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_SNDBUFFORCE,
	    &size, sizeof size) == -1)
		log_warn("nftables: netlink socket: send buffer of %d bytes",
		    size);
	return sock;
}

/* A dump of `type' (rules, sets, a set's elements) of table in family f,
 * each message through cb; -1 with errno set. */
int
nft_dump(uint16_t type, enum nft_family f, const char *table,
    const char *set, mnl_cb_t cb, void *arg)
{
	char buf[8192] = { 0 };		/* padding goes out too */
	struct nlmsghdr *nlh;
	struct nftnl_rule *r;
	struct nftnl_set *s;

	if (socket_get() == NULL)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)nft_family_proto(f),
	    NLM_F_DUMP, ++seq);
	if (type == NFT_MSG_GETRULE) {
		if ((r = nftnl_rule_alloc()) == NULL)
			fatal("nftnl_rule_alloc");
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	} else {
		if ((s = nftnl_set_alloc()) == NULL)
			fatal("nftnl_set_alloc");
		nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
		if (set != NULL)
			nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		if (type == NFT_MSG_GETSETELEM)
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
		else
			nftnl_set_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) == -1)
		return -1;
	return nl_wait(sock, reply, sizeof reply, seq, portid, cb, arg);
}

/* ---- a transaction ---- */

struct batch {
	struct mnl_nlmsg_batch	*b;
	bool			 full;
};

static void
batch_start(struct batch *bt)
{
	bt->b = mnl_nlmsg_batch_start(batch_buf, sizeof batch_buf);
	bt->full = false;
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), ++seq);
	mnl_nlmsg_batch_next(bt->b);
}

static struct nlmsghdr *
batch_msg(struct batch *bt, uint16_t type, enum nft_family f, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type,
	    (uint16_t)nft_family_proto(f), flags, ++seq);
}

static void
batch_next(struct batch *bt)
{
	if (!mnl_nlmsg_batch_next(bt->b))
		bt->full = true;
}

/* Sent whole; the kernel takes all of it or nothing. Its answers are
 * queued by the time the send returns (it runs in this call), and only
 * errors come: none means done. */
static int
batch_send(struct batch *bt)
{
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	int error = 0;
	ssize_t n;

	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), ++seq);
	batch_next(bt);
	if (bt->full) {
		mnl_nlmsg_batch_stop(bt->b);
		errno = E2BIG;
		return -1;
	}
	n = mnl_socket_sendto(sock, mnl_nlmsg_batch_head(bt->b),
	    mnl_nlmsg_batch_size(bt->b));
	mnl_nlmsg_batch_stop(bt->b);
	if (n == -1)
		return -1;
	while ((n = recv(mnl_socket_get_fd(sock), reply, sizeof reply,
	    MSG_DONTWAIT)) > 0) {
		int len = (int)n;

		for (nlh = (const struct nlmsghdr *)reply;
		    mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    e->error != 0 && error == 0)
				error = -e->error;
		}
	}
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

/* ---- what goes into a transaction ---- */

static void
put_table(struct batch *bt, enum nft_family f)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nftnl_table_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWTABLE, f,
	    NLM_F_CREATE), t);
	nftnl_table_free(t);
	batch_next(bt);
}

/* a chain; hook < 0: a regular one */
static void
put_chain(struct batch *bt, enum nft_family f, const char *name, int hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (hook >= 0) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NFT_PRIORITY);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWCHAIN, f,
	    NLM_F_CREATE), c);
	nftnl_chain_free(c);
	batch_next(bt);
}

static void
put_rule(struct batch *bt, enum nft_family f, struct nftnl_rule *r,
    const char *chain)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWRULE, f,
	    NLM_F_CREATE | NLM_F_APPEND), r);
	nftnl_rule_free(r);
	batch_next(bt);
}

static struct nftnl_expr *
expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e;

	if ((e = nftnl_expr_alloc(name)) == NULL)
		fatal("nftnl_expr_alloc");
	nftnl_rule_add_expr(r, e);
	return e;
}

static struct nftnl_rule *
rule_new(void)
{
	struct nftnl_rule *r;

	if ((r = nftnl_rule_alloc()) == NULL)
		fatal("nftnl_rule_alloc");
	return r;
}

static void
put_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
    uint32_t reg)
{
	struct nftnl_expr *e = expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

static void
put_meta(struct nftnl_rule *r, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
}

/* The set's key into the registers from NFT_REG32_00: the constant meta
 * nfproto, or a session's address or flow (saddr . daddr . l4proto .
 * sport . dport); its length and nft's datatype. */
static uint32_t
put_key(struct nftnl_rule *r, const struct nft_rules *nr, enum nft_family f,
    uint32_t *type)
{
	uint32_t alen = f == NFT_IP ? 4 : 16, atype = f == NFT_IP ?
	    NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR;
	uint32_t src = f == NFT_IP ? 12 : 8, dst = f == NFT_IP ? 16 : 24;
	uint32_t reg = NFT_REG32_00, t;

	switch (nr->session) {
	case SESSION_SADDR:
	case SESSION_DADDR:
		if (r != NULL)
			put_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			    nr->session == SESSION_SADDR ? src : dst, alen, reg);
		*type = atype;
		return alen;
	case SESSION_FLOW:
		if (r != NULL) {
			put_payload(r, NFT_PAYLOAD_NETWORK_HEADER, src, alen,
			    reg);
			put_payload(r, NFT_PAYLOAD_NETWORK_HEADER, dst, alen,
			    reg + alen / 4);
			put_meta(r, NFT_META_L4PROTO, reg + 2 * alen / 4);
			put_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2,
			    reg + 2 * alen / 4 + 1);
			put_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
			    reg + 2 * alen / 4 + 2);
		}
		t = (atype << NFT_TYPE_BITS) | atype;
		t = (t << NFT_TYPE_BITS) | NFT_TYPE_INET_PROTOCOL;
		t = (t << NFT_TYPE_BITS) | NFT_TYPE_INET_SERVICE;
		*type = (t << NFT_TYPE_BITS) | NFT_TYPE_INET_SERVICE;
		return 2 * alen + 12;
	default:
		if (r != NULL)
			put_meta(r, NFT_META_NFPROTO, reg);
		*type = NFT_TYPE_NFPROTO;
		return 1;
	}
}

/* <key> != @W  log group G prefix P | queue num Q bypass */
static struct nftnl_rule *
first_rule(const struct nft_rules *nr, enum nft_family f)
{
	const struct nft_first *to = &nr->first;
	struct xt_NFQ_info_v3 q = { 0 };
	struct nftnl_rule *r = rule_new();
	struct nftnl_expr *e;
	uint32_t type;
	uint8_t *info;

	put_key(r, nr, f, &type);
	e = expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nr->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	if (to->queue < 0) {
		e = expr(r, "log");
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP,
		    (uint16_t)to->log_group);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, to->log_prefix);
		return r;
	}
	if (queue_expr) {
		e = expr(r, "queue");
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, (uint16_t)to->queue);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
		    NFT_QUEUE_FLAG_BYPASS);
		return r;
	}
	q.queuenum = (uint16_t)to->queue;
	q.queues_total = 1;
	q.flags = NFQ_FLAG_BYPASS;	/* no reader (the daemon died): pass */
	/* XT_ALIGN(sizeof q), as iptables sends it; the expression keeps
	 * (and frees) the buffer it is given */
	if ((info = calloc(1, 8)) == NULL)
		fatal("calloc");
	memcpy(info, &q, sizeof q);
	e = expr(r, "target");
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, 8);
	return r;
}

/* update @W { <key> timeout T }; with sessions, <key> @W first: a key
 * is added by the daemon, when it takes the client's session on (a
 * first packet's record lost in a full socket buffer is then logged
 * again by the next packet, not forgotten with the key in the set); the
 * same with --dns-name, whose watch's element the daemon adds when a
 * query for its names starts it (the kernel cannot tell one) */
static void
put_update(struct nftnl_rule *r, const struct nft_rules *nr, enum nft_family f)
{
	struct nftnl_expr *e;
	uint32_t type;

	put_key(r, nr, f, &type);
	if (nr->daemon_adds) {		/* only a key the daemon added */
		e = expr(r, "lookup");
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nr->name);
	}
	e = expr(r, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG32_00);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, nr->name);
	nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT,
	    (uint64_t)nr->ttl * 1000);
}

static struct nftnl_rule *
update_rule(const struct nft_rules *nr, enum nft_family f)
{
	struct nftnl_rule *r = rule_new();

	put_update(r, nr, f);
	return r;
}

static void
put_set(struct batch *bt, enum nft_family f, const struct nft_rules *nr)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t type, len = put_key(NULL, nr, f, &type);

	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nr->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)nft_family_proto(f));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	if (nr->session != SESSION_NONE)	/* what the kernel holds at most */
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, nr->session_max);
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++seq);
	nftnl_set_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWSET, f,
	    NLM_F_CREATE), s);
	nftnl_set_free(s);
	batch_next(bt);
}

/* the renaming of one copy's anonymous sets: old name -> new id */
struct renames {
	char		 from[NFT_SETS_MAX][64];
	uint32_t	 id[NFT_SETS_MAX];
	int		 n;
};

static int
rename_lookup(struct nftnl_expr *e, void *arg)
{
	const struct renames *rn = arg;
	const char *set;
	int i;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "lookup") != 0)
		return 0;
	set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	for (i = 0; i < rn->n; i++)
		if (set != NULL && strcmp(set, rn->from[i]) == 0) {
			nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "__set%d");
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID,
			    rn->id[i]);
			break;
		}
	return 0;
}

/* a set and its elements, from the messages the kernel sent */
static struct nftnl_set *
set_parse(const struct nft_msgs *m)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)m->p;
	int len = (int)m->len;
	struct nftnl_set *s;

	if ((s = nftnl_set_alloc()) == NULL)
		fatal("nftnl_set_alloc");
	if (nftnl_set_nlmsg_parse(nlh, s) < 0)
		fatalx("a compiled set does not parse");
	for (nlh = mnl_nlmsg_next(nlh, &len); mnl_nlmsg_ok(nlh, len);
	    nlh = mnl_nlmsg_next(nlh, &len))
		if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
			fatalx("a compiled set's elements do not parse");
	return s;
}

/* E jump W, in W_<hook>, with copies of E's anonymous sets */
static void
put_match(struct batch *bt, enum nft_family f, const struct nft_compiled *c,
    const char *chain, const char *target)
{
	struct renames rn = { .n = 0 };
	struct nftnl_rule *r = rule_new();
	struct nftnl_set *s;
	struct nftnl_expr *e;
	int i;

	for (i = 0; i < c->nsets; i++) {
		s = set_parse(&c->sets[i]);
		snprintf(rn.from[rn.n], sizeof rn.from[rn.n], "%s",
		    nftnl_set_get_str(s, NFTNL_SET_NAME));
		rn.id[rn.n++] = ++seq;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, "__set%d");
		nftnl_set_set_u32(s, NFTNL_SET_ID, seq);
		nftnl_set_unset(s, NFTNL_SET_HANDLE);
		nftnl_set_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWSET, f,
		    NLM_F_CREATE), s);
		batch_next(bt);
		nftnl_set_elems_nlmsg_build_payload(batch_msg(bt,
		    NFT_MSG_NEWSETELEM, f, NLM_F_CREATE), s);
		batch_next(bt);
		nftnl_set_free(s);
	}
	if (nftnl_rule_nlmsg_parse((const struct nlmsghdr *)c->rule.p, r) < 0)
		fatalx("a compiled rule does not parse");
	nftnl_rule_unset(r, NFTNL_RULE_HANDLE);
	nftnl_rule_unset(r, NFTNL_RULE_POSITION);
	nftnl_expr_foreach(r, rename_lookup, &rn);
	e = expr(r, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, target);
	put_rule(bt, f, r, chain);
}

static void
chain_name(const struct nft_rules *nr, int hook, char *buf, size_t len)
{
	snprintf(buf, len, "%s_%s", nr->name, netfilter_hook_name(hook));
}

/* ---- dns-keep ---- */

static void
keep_set_name(const struct nft_rules *nr, char *buf, size_t len)
{
	snprintf(buf, len, "%s_dns", nr->name);
}

static void
put_keep_set(struct batch *bt, enum nft_family f, const struct nft_rules *nr)
{
	struct nftnl_set *s = nftnl_set_alloc();
	char name[NFT_NAME_MAX + 8];

	keep_set_name(nr, name, sizeof name);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)nft_family_proto(f));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, f == NFT_IP ?
	    NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, f == NFT_IP ? 4 : 16);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, nr->dns_keep_max);
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++seq);
	nftnl_set_nlmsg_build_payload(batch_msg(bt, NFT_MSG_NEWSET, f,
	    NLM_F_CREATE), s);
	nftnl_set_free(s);
	batch_next(bt);
}

static void
put_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG32_00);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

/* [meta iif != lo] ct direction reply <proto> sport 53
 * log group G prefix "... dns": an answer to a query conntrack saw go
 * out (none forged by a stranger), once (an answer on lo was seen in
 * the output hook already; lo is interface 1 in every namespace) */
static struct nftnl_rule *
answer_rule(const struct nft_rules *nr, uint8_t proto, bool not_lo)
{
	struct nftnl_rule *r = rule_new();
	struct nftnl_expr *e;
	uint16_t port = htons(53);
	uint8_t dir = IP_CT_DIR_REPLY;
	uint32_t lo = 1;

	if (not_lo) {
		put_meta(r, NFT_META_IIF, NFT_REG32_00);
		put_cmp(r, NFT_CMP_NEQ, &lo, sizeof lo);
	}
	e = expr(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_DIRECTION);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG32_00);
	put_cmp(r, NFT_CMP_EQ, &dir, sizeof dir);
	put_meta(r, NFT_META_L4PROTO, NFT_REG32_00);
	put_cmp(r, NFT_CMP_EQ, &proto, sizeof proto);
	put_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG32_00);
	put_cmp(r, NFT_CMP_EQ, &port, sizeof port);
	e = expr(r, "log");
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, NFT_LOG_GROUP);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, nr->answer_prefix);
	return r;
}

/* meta nfproto @W ip saddr|daddr @W_dns update @W_dns { ip saddr|daddr
 * timeout T } update @W { meta nfproto timeout T }: an address in use
 * stays kept (the watch's TTL from its last packet, as the watch) */
static struct nftnl_rule *
kept_rule(const struct nft_rules *nr, enum nft_family f, bool src)
{
	struct nftnl_rule *r = rule_new();
	struct nftnl_expr *e;
	char name[NFT_NAME_MAX + 8];
	uint32_t type;
	int i;

	keep_set_name(nr, name, sizeof name);
	put_key(r, nr, f, &type);
	e = expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nr->name);
	put_payload(r, NFT_PAYLOAD_NETWORK_HEADER, f == NFT_IP ? (src ? 12 :
	    16) : (src ? 8 : 24), f == NFT_IP ? 4 : 16, NFT_REG32_01);
	e = expr(r, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_01);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, name);
	for (i = 0; i < 2; i++) {
		e = expr(r, "dynset");
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, i == 0 ?
		    NFT_REG32_01 : NFT_REG32_00);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP,
		    NFT_DYNSET_OP_UPDATE);
		nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, i == 0 ?
		    name : nr->name);
		nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT,
		    (uint64_t)nr->ttl * 1000);
	}
	return r;
}

static const struct {
	const char	*suffix;
	int		 hook;
} keep_chains[] = {
	{ "dnsin", NF_INET_PRE_ROUTING },
	{ "dnsout", NF_INET_LOCAL_OUT },
};

static void
keep_chain_name(const struct nft_rules *nr, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%s_%s", nr->name, keep_chains[i].suffix);
}

static void
put_keep_rules(struct batch *bt, enum nft_family f, const struct nft_rules *nr,
    size_t i, const char *chain)
{
	bool in = keep_chains[i].hook == NF_INET_PRE_ROUTING;

	put_rule(bt, f, answer_rule(nr, IPPROTO_UDP, in), chain);
	put_rule(bt, f, answer_rule(nr, IPPROTO_TCP, in), chain);
	put_rule(bt, f, kept_rule(nr, f, true), chain);
	put_rule(bt, f, kept_rule(nr, f, false), chain);
}

static void
put_keep(struct batch *bt, enum nft_family f, const struct nft_rules *nr)
{
	char chain[NFT_NAME_MAX + 16];
	size_t i;

	put_keep_set(bt, f, nr);
	for (i = 0; i < sizeof keep_chains / sizeof keep_chains[0]; i++) {
		keep_chain_name(nr, i, chain, sizeof chain);
		put_chain(bt, f, chain, keep_chains[i].hook);
		put_keep_rules(bt, f, nr, i, chain);
	}
}

/* ct mark set ct mark & ~mask | mark: --keep-connections, the mark the
 * conntrack sensor then finds on the watch's connections */
static struct nftnl_rule *
mark_rule(const struct nft_rules *nr)
{
	struct nftnl_rule *r = rule_new();
	uint32_t keep = ~nr->keep_mask, set = nr->keep_mark & nr->keep_mask;
	struct nftnl_expr *e;

	e = expr(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG32_00);
	e = expr(r, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG32_00);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG32_00);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof keep);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &keep, sizeof keep);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &set, sizeof set);
	e = expr(r, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG32_00);
	return r;
}

/* the rules of the watch's own chain: the first packet's, the mark of
 * its connections, the set's update */
static void
put_own_rules(struct batch *bt, enum nft_family f, const struct nft_rules *nr)
{
	put_rule(bt, f, first_rule(nr, f), nr->name);
	if (nr->keep_mask != 0)
		put_rule(bt, f, mark_rule(nr), nr->name);
	put_rule(bt, f, update_rule(nr, f), nr->name);
}

/* What a watch installs, for family f, into bt. */
static void
put_watch(struct batch *bt, enum nft_family f, struct nft_rules *nr)
{
	char chain[NFT_NAME_MAX + 16];
	int h;

	if (!table_made[f])	/* a second time in one batch changes nothing */
		put_table(bt, f);
	put_set(bt, f, nr);
	put_chain(bt, f, nr->name, -1);
	put_own_rules(bt, f, nr);
	for (h = 0; h < NF_INET_NUMHOOKS; h++) {
		if (!(nr->hooks & 1u << h))
			continue;
		chain_name(nr, h, chain, sizeof chain);
		put_chain(bt, f, chain, h);
		put_match(bt, f, &nr->fam[f], chain, nr->name);
	}
	if (nr->dns_keep_max > 0)
		put_keep(bt, f, nr);
}

static void
install_failed(const struct nft_rules *nr, char *err, size_t len)
{
	snprintf(err, len, "nftables: installing the rules of `%s' in table "
	    NFT_TABLE ": %s%s", nr->name, strerror(errno), errno == EPERM ?
	    " (the table is another process's: another tuninetd?)" : "");
}

/* Between nft_rules_begin and nft_rules_commit (a start-up, a reload's
 * new watches), installs are gathered and sent together: the kernel
 * checks a table's jumps at each commit, so a thousand watches in one
 * transaction cost what one does. */
static struct {
	bool		  open;
	struct nft_rules **rules;
	size_t		  n, room;
} gather;

void
nft_rules_begin(void)
{
	gather.open = true;
	gather.n = 0;
}

static bool
holds(struct nft_rules *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] != NULL && list[i]->first.queue >= 0)
			return true;
	return false;
}

/* The watches of list, in as few transactions as the batch buffer
 * allows (one, up to some thousands); those sent are installed even if a
 * later batch fails. A queue rule the kernel cannot take (no nft_compat
 * for the xtables target) is tried once with nftables' own queue
 * expression, and that kind kept. */
static int
send_watches(struct nft_rules **list, size_t n, char *err, size_t len)
{
	size_t i, from = 0, k;
	enum nft_family f;
	struct batch bt;
	bool retried = false;

	while (from < n) {
		batch_start(&bt);
		for (i = from; i < n; i++) {
			if (list[i] == NULL)
				continue;
			if (i > from && mnl_nlmsg_batch_size(bt.b) >
			    sizeof batch_buf - WATCH_ROOM)
				break;
			for (f = 0; f < NFT_FAMILIES; f++)
				if (list[i]->fam[f].have)
					put_watch(&bt, f, list[i]);
		}
		if (batch_send(&bt) == -1) {
			if (!retried && (errno == ENOENT ||
			    errno == EOPNOTSUPP) && holds(list + from, i - from)) {
				queue_expr = !queue_expr;
				retried = true;
				continue;
			}
			for (k = from; k < i && list[k] == NULL; k++)
				;
			if (k < i)
				install_failed(list[k], err, len);
			else
				snprintf(err, len, "nftables: %s",
				    strerror(errno));
			return -1;
		}
		for (k = from; k < i; k++)
			for (f = 0; list[k] != NULL && f < NFT_FAMILIES; f++)
				if (list[k]->fam[f].have)
					list[k]->installed[f] = table_made[f] =
					    true;
		from = i;
	}
	return 0;
}

/* The gathered installs sent; 0, or -1 with err naming a watch of the
 * transaction the kernel refused (none of its rules is in). */
int
nft_rules_commit(char *err, size_t len)
{
	int r;

	if (!gather.open)
		return 0;
	gather.open = false;
	r = send_watches(gather.rules, gather.n, err, len);
	gather.n = 0;
	return r;
}

/* The watch's set and chains: at once, in one transaction (a table made
 * in the same one), or gathered (nft_rules_begin); 0, or -1 with err set
 * and nothing installed. */
int
nft_rules_install(struct nft_rules *nr, const struct nft_first *to,
    char *err, size_t len)
{
	if (socket_get() == NULL) {
		snprintf(err, len, "nftables: netlink socket: %s",
		    strerror(errno));
		return -1;
	}
	nr->first = *to;
	if (to->log_prefix != NULL) {
		snprintf(nr->prefix, sizeof nr->prefix, "%s", to->log_prefix);
		nr->first.log_prefix = nr->prefix;
	}
	if (to->answer_prefix != NULL) {
		snprintf(nr->answer_prefix, sizeof nr->answer_prefix, "%s",
		    to->answer_prefix);
		nr->first.answer_prefix = nr->answer_prefix;
	}
	if (!gather.open)
		return send_watches(&nr, 1, err, len);
	if (gather.n == gather.room && (gather.rules = reallocarray(
	    gather.rules, gather.room = gather.room * 2 + 16,
	    sizeof *gather.rules)) == NULL)
		fatal("reallocarray");
	gather.rules[gather.n++] = nr;
	return 0;
}

static void
put_flush(struct batch *bt, enum nft_family f, const char *chain)
{
	struct nftnl_rule *r = rule_new();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(batch_msg(bt, NFT_MSG_DELRULE, f, 0),
	    r);
	nftnl_rule_free(r);
	batch_next(bt);
}

static void
put_delete(struct batch *bt, enum nft_family f, uint16_t type,
    const char *name)
{
	struct nftnl_chain *c;
	struct nftnl_set *s;

	if (type == NFT_MSG_DELCHAIN) {
		c = nftnl_chain_alloc();
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
		nftnl_chain_nlmsg_build_payload(batch_msg(bt, type, f, 0), c);
		nftnl_chain_free(c);
	} else {
		s = nftnl_set_alloc();
		nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_nlmsg_build_payload(batch_msg(bt, type, f, 0), s);
		nftnl_set_free(s);
	}
	batch_next(bt);
}

/* The watch's set and chains out, in one transaction per family. */
void
nft_rules_remove(struct nft_rules *nr)
{
	char chain[NFT_NAME_MAX + 16];
	enum nft_family f;
	struct batch bt;
	size_t i;
	int h;

	for (i = 0; i < gather.n; i++)	/* gathered, not sent: comes out */
		if (gather.rules[i] == nr)
			gather.rules[i] = NULL;

	for (f = 0; f < NFT_FAMILIES; f++) {
		if (!nr->installed[f])
			continue;
		nr->installed[f] = false;
		batch_start(&bt);
		for (i = 0; nr->dns_keep_max > 0 && i < sizeof keep_chains /
		    sizeof keep_chains[0]; i++) {
			keep_chain_name(nr, i, chain, sizeof chain);
			put_flush(&bt, f, chain);
			put_delete(&bt, f, NFT_MSG_DELCHAIN, chain);
		}
		for (h = 0; h < NF_INET_NUMHOOKS; h++)
			if (nr->hooks & 1u << h) {
				chain_name(nr, h, chain, sizeof chain);
				put_flush(&bt, f, chain);
				put_delete(&bt, f, NFT_MSG_DELCHAIN, chain);
			}
		put_flush(&bt, f, nr->name);
		put_delete(&bt, f, NFT_MSG_DELCHAIN, nr->name);
		put_delete(&bt, f, NFT_MSG_DELSET, nr->name);
		if (nr->dns_keep_max > 0) {
			keep_set_name(nr, chain, sizeof chain);
			put_delete(&bt, f, NFT_MSG_DELSET, chain);
		}
		if (batch_send(&bt) == -1)
			log_warn("nftables: removing the rules of `%s' from "
			    "table %s " NFT_TABLE, nr->name,
			    nft_family_name(f));
	}
}

/* A reload changed the TTL (the same one: nothing to do): the watch's
 * chain of its own (and dns-keep's) is rewritten, in one transaction per
 * family; the
 * element keeps its expiry until the next packet. */
int
nft_rules_retime(struct nft_rules *nr, unsigned ttl)
{
	char chain[NFT_NAME_MAX + 16];
	enum nft_family f;
	struct batch bt;
	size_t i;
	int r = 0;

	if (ttl == nr->ttl)
		return 0;
	nr->ttl = ttl;
	for (f = 0; f < NFT_FAMILIES; f++) {
		if (!nr->installed[f])
			continue;
		batch_start(&bt);
		put_flush(&bt, f, nr->name);
		put_own_rules(&bt, f, nr);
		for (i = 0; nr->dns_keep_max > 0 && i < sizeof keep_chains /
		    sizeof keep_chains[0]; i++) {
			keep_chain_name(nr, i, chain, sizeof chain);
			put_flush(&bt, f, chain);
			put_keep_rules(&bt, f, nr, i, chain);
		}
		if (batch_send(&bt) == -1)
			r = -1;
	}
	return r;
}

/* each element of a set's elements message, to cb */
static void
each_element(const struct nlmsghdr *nlh,
    void (*cb)(struct nftnl_set_elem *, void *), void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 &&
	    (it = nftnl_set_elems_iter_create(s)) != NULL) {
		for (e = nftnl_set_elems_iter_cur(it); e != NULL;
		    e = nftnl_set_elems_iter_next(it))
			cb(e, arg);
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
}

/* the latest expiry, in ms, into *(int64_t *)arg */
static void
later_expiry(struct nftnl_set_elem *e, void *arg)
{
	int64_t *left = arg;
	uint64_t ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);

	if ((int64_t)ms > *left)
		*left = (int64_t)ms;
}

static int
expiry_read(const struct nlmsghdr *nlh, void *arg)
{
	each_element(nlh, later_expiry, arg);
	return MNL_CB_OK;
}

/* How long until the watch's element expires, in ms: a matching packet
 * passed TTL - that ago; -1: none passed in the last TTL. */
int64_t
nft_rules_left(struct nft_rules *nr)
{
	int64_t left = -1;
	enum nft_family f;

	for (f = 0; f < NFT_FAMILIES; f++)
		if (nr->installed[f] && nft_dump(NFT_MSG_GETSETELEM, f,
		    NFT_TABLE, nr->name, expiry_read, &left) == -1)
			log_warn("nftables: reading set %s of table %s "
			    NFT_TABLE, nr->name, nft_family_name(f));
	return left;
}

/* How long until a session's element expires, in ms; -1: it has, or
 * there is none (the kernel answers ENOENT). */
int64_t
nft_rules_key_left(struct nft_rules *nr, const struct nft_key *k)
{
	char buf[8192] = { 0 };		/* padding goes out too */
	struct nftnl_set_elem *e;
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	int64_t left = -1;

	if (k->family >= NFT_FAMILIES || !nr->installed[k->family] ||
	    socket_get() == NULL)
		return -1;
	s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nr->name);
	e = nftnl_set_elem_alloc();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k->bytes, k->len);
	nftnl_set_elem_add(s, e);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM,
	    (uint16_t)nft_family_proto(k->family), NLM_F_ACK, ++seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) == -1 ||
	    nl_wait(sock, reply, sizeof reply, seq, portid, expiry_read,
	    &left) == -1)
		return -1;
	return left > 0 ? left : -1;
}

/* An element of key in set (the watch's, or dns-keep's), for ms from now
 * (0: the TTL), as a packet would add it (not an error if one did
 * already; a kernel since 6.10 gives it the new timeout); del: the
 * element taken out (not an error if there is none), or with key NULL,
 * every element. A full set (ENFILE) is the caller's to say. */
static int
put_element(struct nft_rules *nr, const char *set, enum nft_family f,
    const uint8_t *key, size_t keylen, int64_t ms, bool del)
{
	struct nftnl_set_elem *e;
	struct nftnl_set *s;
	struct batch bt;

	s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	if (key != NULL) {
		e = nftnl_set_elem_alloc();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key,
		    (uint32_t)keylen);
		if (!del)
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
			    ms > 0 ? (uint64_t)ms : (uint64_t)nr->ttl * 1000);
		nftnl_set_elem_add(s, e);
	}
	batch_start(&bt);
	nftnl_set_elems_nlmsg_build_payload(batch_msg(&bt, del ?
	    NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, f, del ? 0 :
	    NLM_F_CREATE), s);
	batch_next(&bt);
	nftnl_set_free(s);
	if (batch_send(&bt) == -1 && !(del && errno == ENOENT)) {
		if (errno != ENFILE)
			log_warn("nftables: set %s of table %s " NFT_TABLE, set,
			    nft_family_name(f));
		return -1;
	}
	return 0;
}

static int
put_watch_element(struct nft_rules *nr, bool del)
{
	char keep[NFT_NAME_MAX + 8];
	enum nft_family f;
	uint8_t key;
	int r = 0;

	keep_set_name(nr, keep, sizeof keep);
	for (f = 0; f < NFT_FAMILIES; f++) {
		key = (uint8_t)nft_family_proto(f);
		if (!nr->installed[f])
			continue;
		if (put_element(nr, nr->name, f, &key, 1, 0, del) == -1)
			r = -1;
		/* idle again: what the answers of this cycle kept goes */
		if (del && nr->dns_keep_max > 0 &&
		    put_element(nr, keep, f, NULL, 0, 0, true) == -1)
			r = -1;
	}
	return r;
}

/* The watch's element, for TTL from now: held packets are let through
 * after this, and the ones behind them pass the set. */
int
nft_rules_refresh(struct nft_rules *nr)
{
	return put_watch_element(nr, false);
}

/* The watch's element out: the next matching packet is a first packet
 * again (--dns-name: the element is the daemon's to add, and a stop the
 * TTL did not cause, or a hold, may leave one behind); and dns-keep's
 * addresses. */
int
nft_rules_forget(struct nft_rules *nr)
{
	return put_watch_element(nr, true);
}

/* A session's key into the set, for ms (0: the TTL): its packets
 * refresh it from now on. */
int
nft_rules_key_add(struct nft_rules *nr, const struct nft_key *k, int64_t ms)
{
	if (k->family >= NFT_FAMILIES || !nr->installed[k->family])
		return -1;
	return put_element(nr, nr->name, k->family, k->bytes, k->len, ms,
	    false);
}

/* dns-keep: an address (4 or 16 bytes, by f) into W_dns for ms; -1 with
 * errno: ENFILE, the set is full (dns-keep-max); EAFNOSUPPORT, the
 * watch has no rules of that family. */
int
nft_rules_keep_add(struct nft_rules *nr, enum nft_family f,
    const uint8_t *addr, int64_t ms)
{
	char keep[NFT_NAME_MAX + 8];

	if (nr->dns_keep_max == 0 || f >= NFT_FAMILIES || !nr->installed[f]) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	keep_set_name(nr, keep, sizeof keep);
	return put_element(nr, keep, f, addr, f == NFT_IP ? 4 : 16, ms, false);
}

struct keep_walk {
	enum nft_family	 f;
	void		(*cb)(enum nft_family, const uint8_t *, int64_t,
			    void *);
	void		*arg;
};

static void
kept_address(struct nftnl_set_elem *e, void *arg)
{
	struct keep_walk *kw = arg;
	const uint8_t *key;
	uint32_t len;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (key != NULL && len == (kw->f == NFT_IP ? 4u : 16u))
		kw->cb(kw->f, key, (int64_t)nftnl_set_elem_get_u64(e,
		    NFTNL_SET_ELEM_EXPIRATION), kw->arg);
}

static int
keep_read(const struct nlmsghdr *nlh, void *arg)
{
	each_element(nlh, kept_address, arg);
	return MNL_CB_OK;
}

/* dns-keep: each address in W_dns, with the ms it has left, as the
 * kernel holds them */
void
nft_rules_keep_list(struct nft_rules *nr, void (*cb)(enum nft_family,
    const uint8_t *, int64_t, void *), void *arg)
{
	struct keep_walk kw = { .cb = cb, .arg = arg };
	char keep[NFT_NAME_MAX + 8];

	if (nr->dns_keep_max == 0)
		return;
	keep_set_name(nr, keep, sizeof keep);
	for (kw.f = 0; kw.f < NFT_FAMILIES; kw.f++)
		if (nr->installed[kw.f] && nft_dump(NFT_MSG_GETSETELEM, kw.f,
		    NFT_TABLE, keep, keep_read, &kw) == -1)
			log_warn("nftables: reading set %s of table %s "
			    NFT_TABLE, keep, nft_family_name(kw.f));
}

const char *
nft_rules_name(const struct nft_rules *nr)
{
	return nr->name;
}
