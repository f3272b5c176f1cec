/*
 * sensor_nft.c: --match, a sensor whose rules the daemon writes itself
 * (nft_rules.c) and whose idle time the kernel keeps.
 *
 * The first packet of an idle watch comes by an NFLOG group (or, with
 * --hold-first, an NFQUEUE queue) that only this sensor's rules feed; an
 * inner sensor of that kind reads it, exactly as -n or -q would, and its
 * reports are this sensor's. While the watch is up no packet reaches the
 * daemon: each refreshes the element of the watch's set in the kernel.
 * At the watch's deadline (sync) the sensor reads how long the element
 * has left; if it has, the last packet passed TTL - left ago, which moves
 * the deadline to the element's expiry, and if it has expired, the watch
 * stops, at the last packet + TTL, as the kernel counted.
 *
 * --hold-first: held packets never reach the update rule, so the element
 * is added by the daemon once the start hook succeeded, before the held
 * packets are let through: the packets behind them pass the set.
 *
 * dns-keep: a second member of the NFLOG group, of a prefix of its own,
 * reads the DNS answers the rules log while the watch is up, and
 * dns_keep.c keeps their addresses.
 */
#include <netinet/in.h>		/* before linux/netfilter.h: libc's */
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns_keep.h"
#include "env.h"
#include "log.h"
#include "loop.h"
#include "nft_rules.h"
#include "packet.h"
#include "sensor.h"

struct nft_sensor {
	struct sensor		 base;
	struct nft_rules	*rules;
	struct sensor		*inner;		/* NFLOG or NFQUEUE */
	char			 prefix[NFLOG_PREFIX_LEN + 1];
	struct sensor		*answers;	/* dns-keep: NFLOG, or NULL */
	char			 answer_prefix[NFLOG_PREFIX_LEN + 1];
	struct dns_keep		*keep;
	int			 queue;		/* --hold-first, or -1 */
	char			*match;
	unsigned		 hooks;
	int			 session;	/* enum session_kind */
	enum sensor_mode	 mode;
	struct nft_sensor	*next;
};

static struct nft_sensor *sensors;	/* open, for their queue numbers */

/* --dns-name: the watch's element is the daemon's to add (when a query
 * for its names starts it), not every matching packet's */
static bool
daemon_adds(const struct nft_sensor *ns)
{
	return ns->base.wants != NULL && ns->session == SESSION_NONE;
}

/* what the inner sensor saw is this sensor's; a packet that reached a
 * queue while up found the element expired (the stop is near): it is
 * added again, so that the ones behind it pass; with --dns-name, a first
 * packet's record while the watch starts or is up says the element is
 * missing (it expired, or the rules came after the watch was taken
 * over from its state file): added again, so that the packets behind
 * it cost nothing */
static void
inner_report(struct sensor *in, const struct sensor_packet *sp)
{
	struct nft_sensor *ns = in->owner;

	if (sp->kind == REPORT_PACKET && ((ns->mode == SENSOR_UP &&
	    ns->queue >= 0) || (daemon_adds(ns) && ns->mode != SENSOR_IDLE)))
		(void)nft_rules_refresh(ns->rules);
	ns->base.report(&ns->base, sp);
}

static bool
inner_wants(struct sensor *in, const uint8_t *data, uint32_t caplen,
    int linktype)
{
	struct nft_sensor *ns = in->owner;

	return ns->base.wants(&ns->base, data, caplen, linktype);
}

/* "table ip", "tables ip and ip6" */
static const char *
tables(const struct nft_sensor *ns)
{
	bool ip = nft_rules_has(ns->rules, NFT_IP);
	bool ip6 = nft_rules_has(ns->rules, NFT_IP6);

	return ip && ip6 ? "tables ip and ip6" : ip ? "table ip" : "table ip6";
}

/* dns-keep: an answer the rules logged; read only while the watch starts
 * or is up (the answer to the query that starts it comes while the
 * query's record is read: it is logged whatever the watch's state, and
 * reaches us after that record) */
static void
answer_report(struct sensor *in, const struct sensor_packet *sp)
{
	struct nft_sensor *ns = in->owner;

	if (ns->mode != SENSOR_IDLE)
		dns_keep_answer(ns->keep, sp, ns->base.ttl);
}

static int
nft_start(struct sensor *s)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;
	struct nft_first to = { .log_group = NFT_LOG_GROUP,
	    .log_prefix = ns->prefix, .queue = ns->queue,
	    .answer_prefix = ns->answers != NULL ? ns->answer_prefix : NULL };
	char err[1024];

	ns->inner->watch = ns->base.watch;
	if (ns->answers != NULL)
		ns->answers->watch = ns->base.watch;
	ns->inner->wants = ns->base.wants != NULL ? inner_wants : NULL;
	if (nft_rules_install(ns->rules, &to, err, sizeof err) == -1) {
		sensor_log(&ns->base, log_warnx, "NFT: %s", err);
		return -1;
	}
	sensor_log(&ns->base, log_info, "NFT: rules of `%s' in %s " NFT_TABLE
	    ", set %s", ns->match, tables(ns), nft_rules_name(ns->rules));
	if (ns->answers != NULL && ns->answers->ops->start(ns->answers) == -1)
		return -1;
	return ns->inner->ops->start(ns->inner);
}

/* an NFLOG member stays idle: every record it gets is a first packet */
static void
nft_set_mode(struct sensor *s, enum sensor_mode mode)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	ns->mode = mode;
	if (ns->queue >= 0)
		ns->inner->ops->set_mode(ns->inner, mode);
	/* --dns-name: the query that starts it adds the element (a held
	 * one's is added when its start is done), and idle again, the
	 * element goes, so that the next query reaches the daemon however
	 * the cycle ended */
	if (daemon_adds(ns) && mode == SENSOR_STARTING && ns->queue < 0)
		(void)nft_rules_refresh(ns->rules);
	else if (daemon_adds(ns) && mode == SENSOR_IDLE)
		(void)nft_rules_forget(ns->rules);
	if (ns->keep != NULL && mode == SENSOR_IDLE)
		dns_keep_clear(ns->keep);
}

static void
nft_sync(struct sensor *s)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;
	struct sensor_packet sp = { .kind = REPORT_PACKET, .keeps_up = true };
	int64_t left;

	ns->inner->ops->sync(ns->inner);
	if (ns->mode == SENSOR_IDLE ||
	    (left = nft_rules_left(ns->rules)) < 0)
		return;
	sp.when = now_ns() + left * 1000000 - ns->base.ttl;
	sp.linktype = ns->inner->ops->linktype(ns->inner);
	ns->base.report(&ns->base, &sp);
}

static void
nft_start_done(struct sensor *s, bool ok)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	if (ok && ns->queue >= 0)
		(void)nft_rules_refresh(ns->rules);
	if (ns->inner->ops->start_done != NULL)
		ns->inner->ops->start_done(ns->inner, ok);
}

static void
nft_no_start(struct sensor *s, const char *why)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	if (ns->inner->ops->no_start != NULL)
		ns->inner->ops->no_start(ns->inner, why);
}

/* ttl is in the update rule; hook-timeout is the queue's */
static void
nft_tune(struct sensor *s, const struct watch_conf *wc)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	if (nft_rules_retime(ns->rules, wc->ttl) == -1)
		sensor_log(&ns->base, log_warn, "NFT: set %s: new ttl",
		    nft_rules_name(ns->rules));
	if (ns->inner->ops->tune != NULL)
		ns->inner->ops->tune(ns->inner, wc);
}

static void
nft_counts(const struct sensor *s, struct sensor_counts *c)
{
	const struct nft_sensor *ns = (const struct nft_sensor *)s;

	if (ns->inner->ops->counts != NULL)
		ns->inner->ops->counts(ns->inner, c);
}

static void
nft_describe(struct sensor *s, void (*line)(const char *, ...))
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	line("- capture engine: nft match `%s', set %s of %s " NFT_TABLE,
	    ns->match, nft_rules_name(ns->rules), tables(ns));
	if (ns->queue >= 0)
		line("-- first packets held in queue %d", ns->queue);
	else
		line("-- first packets logged to nflog group %d, prefix %s",
		    NFT_LOG_GROUP, ns->prefix);
	if (ns->keep != NULL)
		line("-- dns-keep: %u addresses of answers kept, set %s_dns; "
		    "answers logged to nflog group %d, prefix %s",
		    dns_keep_count(ns->keep), nft_rules_name(ns->rules),
		    NFT_LOG_GROUP, ns->answer_prefix);
}

static void
nft_label(const struct sensor *s, char *buf, size_t len)
{
	const struct nft_sensor *ns = (const struct nft_sensor *)s;

	snprintf(buf, len, "nft %s", ns->match);
}

static void
nft_env(const struct sensor *s, struct env *e)
{
	const struct nft_sensor *ns = (const struct nft_sensor *)s;
	char hooks[64] = "";
	int h;

	for (h = 0; h < NF_INET_NUMHOOKS; h++)
		if (ns->hooks & 1u << h)
			snprintf(hooks + strlen(hooks), sizeof hooks -
			    strlen(hooks), "%s%s", hooks[0] != '\0' ? "," : "",
			    netfilter_hook_name(h));
	env_set(e, "TUNINETD_SENSOR", "nft");
	env_set(e, "TUNINETD_NFT_MATCH", "%s", ns->match);
	env_set(e, "TUNINETD_NFT_HOOKS", "%s", hooks);
	env_set(e, "TUNINETD_NFT_SET", "%s", nft_rules_name(ns->rules));
}

/* the kernel's layout of the key (nft_rules.c): addresses, then for a
 * flow the protocol and the ports, each field padded to 32 bits */
static bool
nft_session_key(const struct sensor *s, const struct sensor_packet *sp,
    struct session_key *k)
{
	const struct nft_sensor *ns = (const struct nft_sensor *)s;
	struct packet_fields pf;
	struct packet_info pi;
	size_t alen;

	if (sp->data == NULL)
		return false;
	packet_decode(sp->linktype, sp->data, sp->caplen, &pi);
	if ((pi.net != NET_IPV4 && pi.net != NET_IPV6) || !pi.has_addrs)
		return false;
	alen = pi.net == NET_IPV4 ? 4 : 16;
	k->family = pi.net == NET_IPV4 ? NFT_IP : NFT_IP6;
	if (!nft_rules_has(ns->rules, k->family))
		return false;
	packet_fields(&pi, &pf);
	memset(k->bytes, 0, sizeof k->bytes);
	switch (ns->session) {
	case SESSION_SADDR:
	case SESSION_DADDR:
		memcpy(k->bytes, ns->session == SESSION_SADDR ? pi.src : pi.dst,
		    alen);
		k->len = (uint8_t)alen;
		snprintf(k->name, sizeof k->name, "%s",
		    ns->session == SESSION_SADDR ? pf.src : pf.dst);
		return true;
	case SESSION_FLOW:
		if (!pi.has_proto)
			return false;
		memcpy(k->bytes, pi.src, alen);
		memcpy(k->bytes + alen, pi.dst, alen);
		k->bytes[2 * alen] = pi.proto;
		if (pi.has_ports) {
			k->bytes[2 * alen + 4] = (uint8_t)(pi.sport >> 8);
			k->bytes[2 * alen + 5] = (uint8_t)pi.sport;
			k->bytes[2 * alen + 8] = (uint8_t)(pi.dport >> 8);
			k->bytes[2 * alen + 9] = (uint8_t)pi.dport;
			snprintf(k->name, sizeof k->name, "%s %s%s%s:%u > "
			    "%s%s%s:%u", pf.proto, alen == 16 ? "[" : "",
			    pf.src, alen == 16 ? "]" : "", pi.sport,
			    alen == 16 ? "[" : "", pf.dst, alen == 16 ? "]" :
			    "", pi.dport);
		} else
			snprintf(k->name, sizeof k->name, "%s %s > %s",
			    pf.proto, pf.src, pf.dst);
		k->len = (uint8_t)(2 * alen + 12);
		return true;
	default:
		return false;
	}
}

static int64_t
nft_session_left(struct sensor *s, const struct session_key *k)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;
	struct nft_key key = { .family = k->family, .len = k->len };
	int64_t ms;

	memcpy(key.bytes, k->bytes, k->len);
	ms = nft_rules_key_left(ns->rules, &key);
	return ms < 0 ? -1 : ms * 1000000;
}

static int
nft_session_admit(struct sensor *s, const struct session_key *k,
    int64_t for_ns)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;
	struct nft_key key = { .family = k->family, .len = k->len };

	memcpy(key.bytes, k->bytes, k->len);
	return nft_rules_key_add(ns->rules, &key, for_ns > 0 ?
	    (for_ns + 999999) / 1000000 : 0);
}

static int
nft_kept(struct sensor *s, struct sensor_kept *out, int max)
{
	struct nft_sensor *ns = (struct nft_sensor *)s;

	return ns->keep != NULL ? dns_keep_list(ns->keep, out, max) : 0;
}

static int
nft_linktype(const struct sensor *s)
{
	const struct nft_sensor *ns = (const struct nft_sensor *)s;

	return ns->inner->ops->linktype(ns->inner);
}

static void
nft_close(struct sensor *s)
{
	struct nft_sensor *ns = (struct nft_sensor *)s, **pp;

	for (pp = &sensors; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ns) {
			*pp = ns->next;
			break;
		}
	/* rules out first: nothing new reaches the queue, then its held
	 * packets get their verdicts */
	nft_rules_free(ns->rules);
	ns->inner->ops->close(ns->inner);
	if (ns->answers != NULL)
		ns->answers->ops->close(ns->answers);
	dns_keep_free(ns->keep);
	free(ns->match);
	free(ns);
}

static const struct sensor_ops nft_ops = {
	.kind = "nft",
	.tag = "NFT",
	.start = nft_start,
	.set_mode = nft_set_mode,
	.sync = nft_sync,
	.start_done = nft_start_done,
	.no_start = nft_no_start,
	.tune = nft_tune,
	.counts = nft_counts,
	.describe = nft_describe,
	.label = nft_label,
	.env = nft_env,
	.session_key = nft_session_key,
	.session_left = nft_session_left,
	.session_admit = nft_session_admit,
	.kept = nft_kept,
	.linktype = nft_linktype,
	.close = nft_close,
};

bool
nft_sensor_wanted(const struct watch_conf *wc)
{
	return wc->match != NULL;
}

static bool
queue_taken(int q)
{
	const struct nft_sensor *o;

	for (o = sensors; o != NULL; o = o->next)
		if (o->queue == q)
			return true;
	return false;
}

/* wc as an inner sensor's: no sensor of its own */
static struct watch_conf *
inner_conf(const struct watch_conf *wc)
{
	struct watch_conf *in;

	if ((in = watch_conf_dup(wc)) == NULL)
		fatal("watch_conf_dup");
	free(in->ifname);
	free(in->keepalive_prefix);
	free(in->nflog_prefix);
	in->ifname = in->keepalive_prefix = in->nflog_prefix = NULL;
	in->queue = in->nflog_group = -1;
	return in;
}

/* a member of the group of the rules' records, for prefix; its refusal
 * names key and says what the group carries */
static struct sensor *
open_member(struct watch_conf *in, char *prefix, const char *key,
    const char *what, char *err, size_t len)
{
	struct sensor *s;

	in->nflog_group = NFT_LOG_GROUP;
	in->nflog_prefix = prefix;
	s = nflog_sensor_open(in, err, len);
	in->nflog_prefix = NULL;
	in->nflog_group = -1;
	if (s == NULL)
		conf_refusal(in, key, err, len, "NFLOG group %d, where "
		    "tuninetd's rules log %s, is bound by another process "
		    "(another tuninetd in this network namespace?)",
		    NFT_LOG_GROUP, what);
	return s;
}

/* The inner sensor: the group's member for this sensor's prefix, or the
 * first free queue from NFT_QUEUE_FIRST (one another process holds is
 * skipped). */
static struct sensor *
open_inner(struct nft_sensor *ns, const struct watch_conf *wc, char *err,
    size_t len)
{
	struct watch_conf *in = inner_conf(wc);
	struct sensor *s = NULL;
	int q, tries = 0;

	if (!wc->hold_first)
		s = open_member(in, ns->prefix, "match", "first packets",
		    err, len);
	for (q = NFT_QUEUE_FIRST; wc->hold_first && s == NULL &&
	    tries < NFT_QUEUE_TRIES; q++) {
		if (queue_taken(q))
			continue;
		tries++;
		in->queue = q;
		if ((s = nfqueue_sensor_open(in, err, len)) != NULL)
			ns->queue = q;
	}
	watch_conf_free(in);
	if (s == NULL && wc->hold_first)
		conf_refusal(wc, "hold-first", err, len, "no NFQUEUE queue "
		    "from %d to %d is free for the first packets",
		    NFT_QUEUE_FIRST, NFT_QUEUE_FIRST + NFT_QUEUE_TRIES - 1);
	if (s != NULL) {
		s->owner = ns;
		s->report = inner_report;
	}
	return s;
}

/* dns-keep: the member for the answers, and the table of addresses */
static int
open_answers(struct nft_sensor *ns, const struct watch_conf *wc, char *err,
    size_t len)
{
	struct watch_conf *in = inner_conf(wc);

	snprintf(ns->answer_prefix, sizeof ns->answer_prefix, "tuninetd %s dns",
	    nft_rules_name(ns->rules));
	ns->answers = open_member(in, ns->answer_prefix, "dns-keep",
	    "DNS answers", err, len);
	watch_conf_free(in);
	if (ns->answers == NULL)
		return -1;
	ns->answers->owner = ns;
	ns->answers->report = answer_report;
	ns->keep = dns_keep_new(ns->rules, wc->dns_names, wc->dns_keep_max,
	    &ns->base);
	return 0;
}

struct sensor *
nft_sensor_open(const struct watch_conf *wc, char *err, size_t len)
{
	struct nft_sensor *ns;

	if ((ns = calloc(1, sizeof *ns)) == NULL ||
	    (ns->match = strdup(wc->match)) == NULL)
		fatal("calloc");
	sensor_init(&ns->base, &nft_ops, wc);
	ns->queue = -1;
	ns->hooks = wc->match_hooks;
	ns->session = wc->session;
	ns->mode = SENSOR_IDLE;
	if ((ns->rules = nft_rules_compile(wc, err, len)) == NULL)
		goto fail;
	snprintf(ns->prefix, sizeof ns->prefix, "tuninetd %s",
	    nft_rules_name(ns->rules));
	if ((ns->inner = open_inner(ns, wc, err, len)) == NULL)
		goto fail;
	if (wc->dns_keep && open_answers(ns, wc, err, len) == -1)
		goto fail;
	/* a burst of new clients: a record each, held until read (the
	 * kernel counts some 2 KiB a record) */
	if (wc->session != SESSION_NONE && !wc->hold_first)
		nflog_sensor_buffer(ns->inner, wc->session_max > 32768 ?
		    64 << 20 : (int)wc->session_max * 2048);
	ns->next = sensors;
	sensors = ns;
	return &ns->base;
fail:
	if (ns->inner != NULL)
		ns->inner->ops->close(ns->inner);
	nft_rules_free(ns->rules);
	free(ns->match);
	free(ns);
	return NULL;
}
