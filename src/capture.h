/* capture.h: what the pcap sensor, a replay (-r) and a savefile (-w)
 * share of libpcap: link types, and a watch's filter programs */
#ifndef TUNINETD_CAPTURE_H
#define TUNINETD_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>

/* A pcap watch's programs: its filter, and the one that keeps it up while
 * up (--keepalive-filter, or only TCP ACKs with -a), where that differs.
 * All zero: nothing compiled. */
struct capture_programs {
	struct bpf_program	 idle, up;
	bool			 have_up;
};

/* which of them libpcap refused (pcap_geterr says why) */
enum capture_refusal {
	CAPTURE_OK, CAPTURE_BAD_FILTER, CAPTURE_BAD_KEEPALIVE,
	CAPTURE_BAD_ACK_FILTER,
};

enum capture_refusal capture_compile(pcap_t *, const char *filter,
		    const char *keepalive, bool ack_only,
		    struct capture_programs *);
void		 capture_programs_free(struct capture_programs *);
bool		 pcap_filter_ok(const char *filter, char *err, size_t);
int		 linktype_of_dlt(int dlt);
int		 dlt_of_linktype(int linktype);

#endif
