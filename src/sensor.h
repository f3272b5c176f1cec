/* sensor.h: what every sensor offers a watch; no operation ever blocks */
#ifndef TUNINETD_SENSOR_H
#define TUNINETD_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct env;
struct watch_conf;

/*
 * Idle: report the next matching packet at once, whole.
 * Starting: a start hook runs or is due; only the time of the last
 * matching packet matters (a sensor that holds packets keeps holding).
 * Up: report only when the last matching packet passed, at the least
 * cost per packet.
 */
enum sensor_mode { SENSOR_IDLE, SENSOR_STARTING, SENSOR_UP };

#define SNAPLEN		256	/* bytes of a packet kept: all its headers */
#define RECORD_MAX	512	/* a packet as a sensor reports it, with metadata */

/* What a sensor reports: a packet; no packet but open connections seen
 * at `when' (conntrack); or nothing seen yet, but an answer the sensor
 * waits for is due by `when' + TTL, so the deadline must wait for it. */
enum report_kind { REPORT_PACKET, REPORT_CONNECTIONS, REPORT_WAIT };

struct sensor_packet {
	int64_t		 when;		/* loop clock ns it passed */
	enum report_kind kind;
	bool		 keeps_up;	/* false: -a, and not a TCP ACK */
	bool		 keepalive;	/* came by a keep-alive prefix */
	/* the packet, in idle mode; NULL in up mode or when lost */
	const uint8_t	*data;
	uint32_t	 caplen, len;
	int		 linktype;	/* LINKTYPE_* */
	struct timespec	 ts;		/* CLOCK_REALTIME capture time */
};

/* what a sensor has in hand, for tuninetctl; -1: not its kind */
struct sensor_counts {
	long		 held;		/* packets held now (NFQUEUE) */
	long		 dropped;	/* held packets dropped, in all */
	long		 gone;		/* held packets the kernel dropped
					   before their verdict, in all */
	long		 connections;	/* marked connections open (conntrack) */
};

/* --session: a client's key, as the sensor's kernel state holds it, and
 * its name for people and hooks (TUNINETD_SESSION) */
#define SESSION_KEY_MAX		48
#define SESSION_NAME_MAX	136
struct session_key {
	uint8_t		 family;	/* the sensor's own */
	uint8_t		 len;
	uint8_t		 bytes[SESSION_KEY_MAX];
	char		 name[SESSION_NAME_MAX];
};

/* dns-keep: an address that keeps the watch up, learned from an answer */
struct sensor_kept {
	char		 addr[46];	/* as text: INET6_ADDRSTRLEN */
	char		 name[256];	/* the name asked: DNS_NAME_MAX */
	int64_t		 left;		/* ns the kernel keeps it still */
};

struct sensor;

struct sensor_ops {
	const char	*kind;		/* "pcap": TUNINETD_SENSOR, status */
	const char	*tag;		/* "PCAP": the original's log lines */
	/* join the loop. A sensor is opened with its watch, which a reload
	 * may start later (once the watch it replaces has stopped): until
	 * then it reports nothing and no other operation is called but
	 * close. */
	int	(*start)(struct sensor *);
	void	(*set_mode)(struct sensor *, enum sensor_mode);
	/* bring the last-packet time up to date now (before a stop) */
	void	(*sync)(struct sensor *);
	/* the watch's deadline moved (up mode); due < 0: none; may be NULL */
	void	(*deadline)(struct sensor *, int64_t due);
	/* the start hook has ended, well or not (before set_mode): a
	 * sensor that holds packets lets them through or drops them; may
	 * be NULL */
	void	(*start_done)(struct sensor *, bool ok);
	/* the start that packets were held for will not come (a stop or a
	 * hold cancelled it): drop them, saying why; may be NULL */
	void	(*no_start)(struct sensor *, const char *why);
	/* a reload changed settings the watch applies in place (struct
	 * setting's in_place): take the sensor's part of wc, which is the
	 * watch's from now on; may be NULL (nothing of it is the sensor's) */
	void	(*tune)(struct sensor *, const struct watch_conf *);
	/* a stop is wanted now: have packets that already passed delivered;
	 * returns how long that may take (ns); NULL: nothing is held back */
	int64_t	(*flush)(struct sensor *);
	/* what it has in hand (held packets, open connections); may be
	 * NULL */
	void	(*counts)(const struct sensor *, struct sensor_counts *);
	/* a line to log beside "CORE: executing STOP command..." (what
	 * held the watch up), or false; may be NULL */
	bool	(*stop_note)(struct sensor *, char *, size_t);
	/* SIGUSR1: "- capture engine: ..." lines */
	void	(*describe)(struct sensor *, void (*)(const char *, ...));
	/* where it listens, in a few words: "pcap eth0", "nflog 7" */
	void	(*label)(const struct sensor *, char *, size_t);
	/* where its keep-alive packets come from (sensor_packet's
	 * keepalive), in the same words; may be NULL (none come) */
	void	(*keepalive_label)(const struct sensor *, char *, size_t);
	/* the hook's TUNINETD_SENSOR and where this sensor listens */
	void	(*env)(const struct sensor *, struct env *);
	/* --session: the key of a packet it reported whole; false if it
	 * has none (not IP, not the watch's family); may be NULL */
	bool	(*session_key)(const struct sensor *,
		    const struct sensor_packet *, struct session_key *);
	/* how long (ns) a session has left in the kernel; -1: it is over */
	int64_t	(*session_left)(struct sensor *, const struct session_key *);
	/* a session taken on: its packets keep it from now on, for the
	 * TTL, or for ns (> 0: one adopted after a restart); -1 if its
	 * key is not the rules' */
	int	(*session_admit)(struct sensor *, const struct session_key *,
		    int64_t ns);
	/* dns-keep: the addresses kept now, at most max; how many; may be
	 * NULL (none kept) */
	int	(*kept)(struct sensor *, struct sensor_kept *, int max);
	/* LINKTYPE_* of what it reports; 0 while not known yet */
	int	(*linktype)(const struct sensor *);
	/* why it cannot report packets now (its interface is absent), or
	 * NULL; may be NULL (it always can) */
	const char *(*waiting)(const struct sensor *);
	void	(*close)(struct sensor *);
};

struct sensor {
	const struct sensor_ops	*ops;
	void			(*report)(struct sensor *,
				    const struct sensor_packet *);
	/* whether a packet is one that may start the watch (--dns-name),
	 * asked by a sensor that holds packets or keeps one of a batch
	 * whole, before it does; NULL: any is */
	bool			(*wants)(struct sensor *, const uint8_t *,
				    uint32_t caplen, int linktype);
	void			*owner;
	const char		*watch;		/* its name, in config mode */
	bool			 ack_only;
	int64_t			 ttl;		/* the watch's, in ns */
};

#define SENSORS_MAX	5

/* sensor.c: the sensors a watch's settings ask for, each kind once, in
 * the order of the table there; returns how many, or -1 with err set and
 * nothing left open. */
int		 sensors_open(const struct watch_conf *, struct sensor **,
		    char *err, size_t);

/* sensor_pcap.c */
bool		 pcap_sensor_wanted(const struct watch_conf *);
struct sensor	*pcap_sensor_open(const struct watch_conf *, char *err, size_t);
bool		 pcap_interface_ok(const char *ifname, bool wait, char *err,
		    size_t);

/* sensor_nflog.c */
bool		 nflog_sensor_wanted(const struct watch_conf *);
struct sensor	*nflog_sensor_open(const struct watch_conf *, char *err, size_t);
void		 nflog_sensor_buffer(struct sensor *, int bytes);

/* sensor_nfqueue.c */
bool		 nfqueue_sensor_wanted(const struct watch_conf *);
struct sensor	*nfqueue_sensor_open(const struct watch_conf *, char *err,
		    size_t);

/* sensor_nft.c */
bool		 nft_sensor_wanted(const struct watch_conf *);
struct sensor	*nft_sensor_open(const struct watch_conf *, char *err, size_t);

/* sensor_conntrack.c */
bool		 conntrack_sensor_wanted(const struct watch_conf *);
struct sensor	*conntrack_sensor_open(const struct watch_conf *, char *err,
		    size_t);

/* helpers shared by the sensors */
void		 sensor_init(struct sensor *, const struct sensor_ops *,
		    const struct watch_conf *);
bool		 have_capability(int cap);
int64_t		 realtime_to_loop(const struct timespec *);
int64_t		 loop_to_realtime(int64_t);
void		 sensor_log(const struct sensor *,
		    void (*)(const char *, ...), const char *, ...)
		    __attribute__((format(printf, 3, 4)));

#endif
