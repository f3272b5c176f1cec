/*
 * nfqueue_held.c: the packets the queue sensor holds, and the verdicts
 * that let them go: a ring of ids, oldest first, at most hold_max, none
 * older than hold_ns; NF_ACCEPT one verdict each, answered, so that the
 * log says what the kernel still had (sensor_nfqueue.c's top comment
 * says why); the drops of an episode counted and said once; a reload's
 * handover of what is held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nfqueue.h"

#define VERDICT_ROOM	64		/* a verdict message, with room */

/* A message of ours about the queue, in buf (len bytes, zeroed first),
 * with the next sequence number. */
struct nlmsghdr *
nfq_header(struct nfqueue_sensor *qs, char *buf, size_t len, int type)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, len);	/* attribute padding goes out too */
	nlh = nfq_nlmsg_put(buf, type, (uint32_t)qs->queue);
	nlh->nlmsg_seq = ++qs->seq;
	return nlh;
}

/* NF_ACCEPT or NF_DROP for one packet, or (batch) for every packet still
 * queued up to id, in the order the kernel queued them. */
void
nfq_verdict(struct nfqueue_sensor *qs, bool batch, uint32_t id, int v)
{
	char buf[VERDICT_ROOM];
	struct nlmsghdr *nlh;

	nlh = nfq_header(qs, buf, sizeof buf,
	    batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT);
	nfq_nlmsg_verdict_put(nlh, (int)id, v);
	if (mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len) == -1)
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: verdict for packet %u", qs->queue,
		    id);
}

static struct held *
held_at(struct nfqueue_sensor *qs, unsigned i)
{
	return &qs->held[(qs->head + i) % qs->hold_max];
}

static const char *
plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

/* The drops of an episode, said once it ends. */
static void
say_drops(struct nfqueue_sensor *qs)
{
	if (qs->over_max > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: dropped %lu packet%s beyond "
		    "--queue-hold-max %u", qs->queue, qs->over_max,
		    plural(qs->over_max), qs->hold_max);
	if (qs->expired > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: dropped %lu held packet%s older "
		    "than --hook-timeout %lld s", qs->queue, qs->expired,
		    plural(qs->expired), (long long)(qs->hold_ns / NSEC_PER_SEC));
	qs->over_max = qs->expired = 0;
}

/* What the kernel answered to the held packets' NF_ACCEPT: accepted, or
 * gone before their verdict. lost: the last answer will not come (the
 * receive buffer overflowed, or the socket closes), so a packet gone may
 * not have been counted. */
void
held_say_answers(struct nfqueue_sensor *qs, bool lost)
{
	struct asked *a = &qs->asked;
	unsigned ok = a->n - a->gone;

	if (ok > 0)
		sensor_log(&qs->base, log_info,
		    "NFQUEUE: queue %d: accepted %u held packet%s%s", qs->queue,
		    ok, plural(ok), lost ? ", unconfirmed (the kernel's answers "
		    "were lost)" : "");
	if (a->gone > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: the kernel dropped %u held packet%s "
		    "before %s verdict (a netfilter hook of its namespace was "
		    "removed, or %s interface went away, while %s held)",
		    qs->queue, a->gone, plural(a->gone), a->gone == 1 ? "its" :
		    "their", a->gone == 1 ? "its" : "their", a->gone == 1 ?
		    "it was" : "they were");
	qs->gone += a->gone;
	*a = (struct asked){ .pending = false };
}

/* NF_ACCEPT for every packet held, a verdict each: the kernel answers
 * only one it cannot give (ENOENT: it dropped the packet), so however
 * many are held, only the packets gone take room in our receive buffer.
 * Then one batch verdict up to the newest, acknowledged: its answer comes
 * after all the others, and the log line waits for it (held_answer). The
 * batch also lets go a packet the kernel queued that we never held (none
 * should be: every message is taken), not left waiting for ever. */
static void
accept_held(struct nfqueue_sensor *qs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	size_t off = 0;
	unsigned i, sent = 0, batch = 0;

	if (qs->asked.pending)
		held_say_answers(qs, true);
	qs->asked.seq_from = qs->seq + 1;
	for (i = 0; i < qs->nheld; i++) {
		nlh = nfq_header(qs, buf + off, VERDICT_ROOM, NFQNL_MSG_VERDICT);
		nfq_nlmsg_verdict_put(nlh, (int)held_at(qs, i)->id, NF_ACCEPT);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		batch++;
		if (off + VERDICT_ROOM <= sizeof buf && i + 1 < qs->nheld)
			continue;
		/* the kernel takes the messages of one send in order */
		if (mnl_socket_sendto(qs->nl, buf, off) == -1)
			sensor_log(&qs->base, log_warn, "NFQUEUE: queue %d: "
			    "verdicts", qs->queue);
		else
			sent += batch;
		off = 0;
		batch = 0;
	}
	qs->asked.seq_to = qs->seq;
	qs->asked.n = sent;
	nlh = nfq_header(qs, buf, VERDICT_ROOM, NFQNL_MSG_VERDICT_BATCH);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nfq_nlmsg_verdict_put(nlh, (int)held_at(qs, qs->nheld - 1)->id,
	    NF_ACCEPT);
	qs->asked.seq_end = qs->seq;
	qs->asked.pending = true;
	if (mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len) == -1) {
		sensor_log(&qs->base, log_warn, "NFQUEUE: queue %d: verdicts",
		    qs->queue);
		held_say_answers(qs, true);
	}
}

/* Every packet held gets its verdict, oldest first. */
void
held_release(struct nfqueue_sensor *qs, int v, const char *why)
{
	unsigned n = qs->nheld;

	timer_stop(&qs->expire);
	qs->unheard = false;
	if (n > 0 && v == NF_ACCEPT)
		accept_held(qs);
	else if (n > 0) {
		nfq_verdict(qs, true, held_at(qs, n - 1)->id, v);
		qs->dropped += n;
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: %s: dropped %u held packet%s",
		    qs->queue, why, n, plural(n));
	}
	qs->head = qs->nheld = 0;
	say_drops(qs);
}

/* false: not held (the hold is full), dropped */
bool
held_add(struct nfqueue_sensor *qs, uint32_t id)
{
	int64_t now = now_ns();

	if (qs->nheld == qs->hold_max) {
		nfq_verdict(qs, false, id, NF_DROP);
		qs->over_max++;
		qs->dropped++;
		return false;
	}
	*held_at(qs, qs->nheld) = (struct held){ .id = id, .at = now };
	if (qs->nheld++ == 0)
		held_arm(qs);
	return true;
}

/* --hook-timeout: the oldest held packets go, the rest wait on. */
void
held_expire(struct timer *t)
{
	struct nfqueue_sensor *qs = t->arg;
	int64_t now = now_ns();
	unsigned n = 0;

	while (n < qs->nheld && held_at(qs, n)->at + qs->hold_ns <= now)
		n++;
	if (n > 0) {
		nfq_verdict(qs, true, held_at(qs, n - 1)->id, NF_DROP);
		qs->head = (qs->head + n) % qs->hold_max;
		qs->nheld -= n;
		qs->expired += n;
		qs->dropped += n;
	}
	if (qs->nheld > 0)
		timer_set(&qs->expire, held_at(qs, 0)->at + qs->hold_ns);
}

/* The expiry timer, for the oldest held packet (or none). */
void
held_arm(struct nfqueue_sensor *qs)
{
	if (qs->nheld > 0 && qs->hold_ns > 0 && qs->started)
		timer_set(&qs->expire, held_at(qs, 0)->at + qs->hold_ns);
	else
		timer_stop(&qs->expire);
}

/* An answer of the kernel's to a request: true if it was about the held
 * packets' NF_ACCEPT (ENOENT: the kernel had dropped one; the batch's
 * answer: all are in). */
bool
held_answer(struct nfqueue_sensor *qs, const struct nlmsgerr *e)
{
	struct asked *a = &qs->asked;
	uint32_t seq = e->msg.nlmsg_seq;

	if (!a->pending)
		return false;
	if (seq == a->seq_end) {
		held_say_answers(qs, false);
		return true;
	}
	if (seq - a->seq_from > a->seq_to - a->seq_from)
		return false;
	if (-e->error == ENOENT)
		a->gone++;
	else if (e->error != 0)
		sensor_log(&qs->base, log_warnx, "NFQUEUE: queue %d: verdict "
		    "refused: %s", qs->queue, strerror(-e->error));
	return true;
}

/* A reload's handover: what qs holds, oldest first, to heir, as much as
 * its hold takes (the oldest beyond it dropped), with the episode's
 * counts and the first packet, which the heir's watch has not heard of.
 * heir has qs's socket already. */
void
held_hand_over(struct nfqueue_sensor *qs, struct nfqueue_sensor *heir)
{
	unsigned n = qs->nheld, skip = n > heir->hold_max ?
	    n - heir->hold_max : 0, i;

	heir->asked = qs->asked;
	if (skip > 0) {
		nfq_verdict(heir, true, held_at(qs, skip - 1)->id, NF_DROP);
		heir->over_max += skip;
		heir->dropped += skip;
	}
	for (i = skip; i < n; i++)
		heir->held[heir->nheld++] = *held_at(qs, i);
	heir->over_max += qs->over_max;
	heir->expired += qs->expired;
	if (heir->nheld > 0) {
		heir->held_first = qs->held_first;
		memcpy(heir->held_data, qs->held_data, sizeof heir->held_data);
		if (heir->held_first.data != NULL)
			heir->held_first.data = heir->held_data;
		heir->unheard = true;
		sensor_log(&heir->base, log_info, "NFQUEUE: queue %d: taken "
		    "over from %s, with %u held packet%s", heir->queue,
		    qs->base.watch, heir->nheld, plural(heir->nheld));
	} else
		sensor_log(&heir->base, log_info, "NFQUEUE: queue %d: taken "
		    "over from %s", heir->queue, qs->base.watch);
}
