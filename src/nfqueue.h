/* nfqueue.h: the queue sensor's insides, shared by the file that reads
 * the queue (sensor_nfqueue.c) and the one that keeps the packets it
 * holds and gives their verdicts (nfqueue_held.c); nothing else
 * includes this. Its includers define _GNU_SOURCE (struct mmsghdr). */
#ifndef TUNINETD_NFQUEUE_H
#define TUNINETD_NFQUEUE_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "nl.h"
#include "sensor.h"

#define READ_BATCH	64		/* messages per recvmmsg */
#define SLOT		2048		/* a message: SNAPLEN bytes + metadata */

struct held {
	uint32_t	 id;
	int64_t		 at;		/* loop clock, when read */
};

/* verdicts whose answers (NLM_F_ACK) are awaited */
struct asked {
	bool		 pending;	/* the last answer has yet to come */
	uint32_t	 seq_from, seq_to;	/* the verdicts, one each */
	uint32_t	 seq_end;	/* the batch after them, acknowledged */
	unsigned	 n, gone;	/* sent; found gone (ENOENT) */
};

struct nfqueue_sensor {
	struct sensor		 base;
	int			 queue;
	unsigned		 hold_max;
	int64_t			 hold_ns;	/* --hook-timeout, 0: none */
	bool			 alone;		/* no other packet sensor */
	struct mnl_socket	*nl;		/* NULL: an heir, waiting */
	unsigned		 portid, seq, bind_seq;
	bool			 bound;
	bool			 started;	/* in the loop */
	enum sensor_mode	 mode;
	struct io		 io;
	struct timer		 expire;
	struct held		*held;		/* ring of hold_max */
	unsigned		 head, nheld;
	/* dropped in this episode, said when it ends */
	unsigned long		 over_max, expired;
	unsigned long		 dropped;	/* in all, for tuninetctl */
	unsigned long		 gone;		/* dropped by the kernel, in all */
	struct asked		 asked;
	struct nl_rcvbuf	 rcvbuf;
	/* the first packet held in this episode, for a watch that has not
	 * heard of it (unheard): one started after the bind or handover */
	bool			 unheard;
	struct sensor_packet	 held_first;
	uint8_t			 held_data[RECORD_MAX];
	struct timer		 tell;
	struct nfqueue_sensor	*heir, *giver;	/* a reload's handover */
	struct nfqueue_sensor	*next;		/* the open ones */
	uint8_t			 first[RECORD_MAX];
	struct mmsghdr		 msgs[READ_BATCH];
	struct iovec		 iov[READ_BATCH];
	uint8_t			 buf[READ_BATCH][SLOT];	/* touched as used */
};

/* nfqueue_held.c */
struct nlmsghdr	*nfq_header(struct nfqueue_sensor *, char *buf, size_t len,
		    int type);
void		 nfq_verdict(struct nfqueue_sensor *, bool batch, uint32_t id,
		    int verdict);
bool		 held_add(struct nfqueue_sensor *, uint32_t id);
void		 held_arm(struct nfqueue_sensor *);
void		 held_expire(struct timer *);
void		 held_release(struct nfqueue_sensor *, int verdict,
		    const char *why);
bool		 held_answer(struct nfqueue_sensor *, const struct nlmsgerr *);
void		 held_say_answers(struct nfqueue_sensor *, bool lost);
void		 held_hand_over(struct nfqueue_sensor *, struct nfqueue_sensor *);

#endif
