/* sensor.h: what every sensor offers the core; no operation ever blocks */
#ifndef TUNINETD_SENSOR_H
#define TUNINETD_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Idle: report the next matching packet at once, whole. Up: report only
 * when the last matching packet passed, at the least cost per packet. */
enum sensor_mode { SENSOR_IDLE, SENSOR_UP };

#define SNAPLEN		256	/* bytes of a packet kept: all its headers */
#define RECORD_MAX	512	/* a packet as a sensor reports it, with metadata */

struct sensor_packet {
	int64_t		 when;		/* CLOCK_MONOTONIC ns it passed */
	bool		 keeps_up;	/* false: -a, and not a TCP ACK */
	/* the packet, in idle mode; NULL in up mode or when lost */
	const uint8_t	*data;
	uint32_t	 caplen, len;
	int		 linktype;	/* LINKTYPE_* */
	struct timespec	 ts;		/* CLOCK_REALTIME capture time */
};

struct sensor;

struct sensor_ops {
	int	(*start)(struct sensor *);	/* join the loop */
	void	(*set_mode)(struct sensor *, enum sensor_mode);
	/* bring the last-packet time up to date now (before a stop) */
	void	(*sync)(struct sensor *);
	/* the watch's deadline moved (up mode); due < 0: none */
	void	(*deadline)(struct sensor *, int64_t due);
	/* a stop is wanted now: have packets that already passed delivered;
	 * returns how long that may take (ns), 0 when nothing is held back */
	int64_t	(*flush)(struct sensor *);
	void	(*describe)(struct sensor *, void (*)(const char *, ...));
	void	(*close)(struct sensor *);
};

struct sensor {
	const struct sensor_ops	*ops;
	const char		*kind;		/* "pcap" or "nflog" */
	const char		*tag;		/* "PCAP" or "NFLOG", for logs */
	void			(*report)(struct sensor *,
				    const struct sensor_packet *);
	void			*owner;
	bool			 ack_only;
	int64_t			 ttl;		/* the watch's, in ns */
};

/* sensor_pcap.c */
struct sensor	*pcap_sensor_open(const char *ifname, const char *filter,
		    bool ack_only, bool wait_interface, char *err, size_t);
const char	*pcap_sensor_ifname(const struct sensor *);
int		 pcap_sensor_linktype(const struct sensor *);
bool		 pcap_sensor_waiting(const struct sensor *);

/* sensor_nflog.c */
struct sensor	*nflog_sensor_open(int group, bool ack_only, char *err, size_t);
int		 nflog_sensor_group(const struct sensor *);

/* helpers shared by the sensors */
bool		 have_capability(int cap);
int64_t		 realtime_to_mono(const struct timespec *);

#endif
