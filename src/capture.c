/*
 * capture.c: what the pcap sensor, a replay (-r) and a savefile (-w)
 * share of libpcap. A replay must take the packets the sensor takes, so
 * both compile a watch's filters here, and both name a capture's link
 * type by the LINKTYPE_ values of the file format, which the savefile
 * writes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "packet.h"
#include "sensor.h"

/* Only TCP segments with ACK set: IPv4 through libpcap's tcp[] (which
 * skips IPv4 options), IPv6 when TCP follows the fixed header. */
#define ACK_FILTER \
	"((ip and tcp[tcpflags] & tcp-ack != 0) or " \
	"(ip6 and ip6[6] == 6 and ip6[53] & 0x10 != 0))"

/* The filter of packets that keep a watch up: --keepalive-filter in
 * place of the filter, and with -a only what carries an ACK; NULL when it
 * is the filter itself. */
static char *
up_filter(const char *filter, const char *keepalive, bool ack_only)
{
	const char *k = keepalive != NULL ? keepalive : filter != NULL ?
	    filter : "";
	char *s;
	int r;

	if (!ack_only && keepalive == NULL)
		return NULL;
	if (!ack_only)
		r = asprintf(&s, "%s", k);
	else if (*k != '\0')
		r = asprintf(&s, "(%s) and %s", k, ACK_FILTER);
	else
		r = asprintf(&s, "%s", ACK_FILTER);
	if (r == -1)
		abort();
	return s;
}

/* Both programs for p's link type; on a refusal nothing is left
 * compiled. */
enum capture_refusal
capture_compile(pcap_t *p, const char *filter, const char *keepalive,
    bool ack_only, struct capture_programs *cp)
{
	char *upf;
	int r;

	*cp = (struct capture_programs){ .have_up = false };
	if (pcap_compile(p, &cp->idle, filter != NULL ? filter : "", 1,
	    PCAP_NETMASK_UNKNOWN) == -1)
		return CAPTURE_BAD_FILTER;
	if ((upf = up_filter(filter, keepalive, ack_only)) == NULL)
		return CAPTURE_OK;
	r = pcap_compile(p, &cp->up, upf, 1, PCAP_NETMASK_UNKNOWN);
	free(upf);
	if (r == -1) {
		pcap_freecode(&cp->idle);
		return keepalive != NULL ? CAPTURE_BAD_KEEPALIVE :
		    CAPTURE_BAD_ACK_FILTER;
	}
	cp->have_up = true;
	return CAPTURE_OK;
}

void
capture_programs_free(struct capture_programs *cp)
{
	pcap_freecode(&cp->idle);	/* a program never compiled is empty */
	pcap_freecode(&cp->up);
	cp->have_up = false;
}

/* Whether a filter compiles, against Ethernet: what can be known of it
 * with no interface yet (--wait-interface, --check-config), so that a typo
 * is a start-up error. */
bool
pcap_filter_ok(const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *dead;
	int r;

	if ((dead = pcap_open_dead(DLT_EN10MB, SNAPLEN)) == NULL)
		abort();
	r = pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN);
	if (r == -1)
		snprintf(err, errlen, "`%s': %s", filter, pcap_geterr(dead));
	else
		pcap_freecode(&prog);
	pcap_close(dead);
	return r == 0;
}

/* libpcap's API speaks DLT_ values, files LINKTYPE_ ones. The two differ
 * for a few link types, raw IP among them (DLT_RAW is 12 on Linux,
 * LINKTYPE_RAW 101), and libpcap exports no mapping: these are the ones
 * its table (pcap-common.c) maps apart on Linux; all others are equal. */
static const struct {
	int	linktype, dlt;
} apart[] = {
	{ 100, DLT_ATM_RFC1483 },	/* LINKTYPE_ATM_RFC1483 */
	{ LINKTYPE_RAW, DLT_RAW },
	{ 102, DLT_SLIP_BSDOS },	/* LINKTYPE_SLIP_BSDOS */
	{ 103, DLT_PPP_BSDOS },		/* LINKTYPE_PPP_BSDOS */
	{ 106, DLT_ATM_CLIP },		/* LINKTYPE_ATM_CLIP */
};

int
linktype_of_dlt(int dlt)
{
	size_t i;

	for (i = 0; i < sizeof apart / sizeof apart[0]; i++)
		if (apart[i].dlt == dlt)
			return apart[i].linktype;
	return dlt;
}

int
dlt_of_linktype(int linktype)
{
	size_t i;

	for (i = 0; i < sizeof apart / sizeof apart[0]; i++)
		if (apart[i].linktype == linktype)
			return apart[i].dlt;
	return linktype;
}
