/*
 * savefile.c: -w, the packets that fired start, in a pcap savefile that
 * tcpdump and Wireshark read, each with its capture time.
 *
 * The file is opened by us first, O_NOFOLLOW and mode 0600 when created,
 * so a symbolic link in its place is refused and the file is the one we
 * checked; O_NONBLOCK, so that a FIFO in its place cannot hold start-up
 * until a reader comes (it is refused like any non-regular file). libpcap
 * then appends through /proc/self/fd, which reopens that very file, and
 * checks an existing file's header: another link type or time stamp
 * precision is refused, at start-up.
 *
 * The file has one link type: the pcap sensor's when there is one (its
 * NFLOG packets are then written as that link type: raw IP, or behind the
 * MAC header NFLOG reported, or behind a made-up Ethernet or cooked
 * header), else LINKTYPE_NFLOG, which keeps the group, the prefix and the
 * MAC header.
 *
 * A file is opened once however many watches write it: a watch a reload
 * changed takes its predecessor's open file (the jailed worker, privsep.c,
 * may not open a file outside its state directory, nor reopen one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "packet.h"
#include "savefile.h"

#define FILE_SNAPLEN	65535

struct savefile {
	char		*path;
	int		 fd;		/* ours, until libpcap has the file */
	int		 linktype;	/* -1 until bound */
	pcap_t		*dead;
	pcap_dumper_t	*dumper;
	bool		 warned;
	int		 refs;		/* the watches writing it */
	struct savefile	*next;
};

static struct savefile *open_files;

struct savefile *
savefile_open(const char *path, char *err, size_t errlen)
{
	struct savefile *sf;
	struct stat st;
	int fd;

	for (sf = open_files; sf != NULL; sf = sf->next)
		if (strcmp(sf->path, path) == 0) {
			sf->refs++;
			return sf;
		}
	/* Not even opened when it is there and not a file: opening a device
	 * may do something. fstat below closes the race with a swap. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "`%s' is not a regular file", path);
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "`%s' is a symbolic link; "
			    "refusing to write through it", path);
		else if (errno == ENXIO)	/* a FIFO with no reader */
			snprintf(err, errlen, "`%s' is not a regular "
			    "file", path);
		else
			snprintf(err, errlen, "`%s': %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "`%s' is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((sf = calloc(1, sizeof *sf)) == NULL ||
	    (sf->path = strdup(path)) == NULL)
		fatal("calloc");
	sf->fd = fd;
	sf->linktype = -1;
	sf->refs = 1;
	sf->next = open_files;
	open_files = sf;
	return sf;
}

int
savefile_bind(struct savefile *sf, int linktype, char *err, size_t errlen)
{
	char proc[64] = "";
	struct stat st;
	FILE *f;

	if (sf->dumper != NULL) {	/* another watch's already */
		if (linktype == sf->linktype)
			return 0;
		snprintf(err, errlen, "`%s' is written with link type %d "
		    "already, not %d", sf->path, sf->linktype, linktype);
		return -1;
	}
	/* pcap_open_dead takes a DLT_ value, and writes its LINKTYPE_ into
	 * the file header */
	sf->dead = pcap_open_dead_with_tstamp_precision(dlt_of_linktype(linktype),
	    FILE_SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
	if (sf->dead == NULL) {
		snprintf(err, errlen, "`%s': no pcap handle", sf->path);
		return -1;
	}
	/* an empty file is written through our descriptor (the jailed
	 * worker, privsep.c, binds a savefile at its first packet so, and
	 * may not reopen it); one with packets is appended to by libpcap,
	 * which checks its header, reopening it */
	if (fstat(sf->fd, &st) == 0 && st.st_size == 0 &&
	    (f = fdopen(sf->fd, "w")) != NULL) {
		sf->fd = -1;		/* f's */
		if ((sf->dumper = pcap_dump_fopen(sf->dead, f)) == NULL)
			fclose(f);
	} else {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", sf->fd);
		sf->dumper = pcap_dump_open_append(sf->dead, proc);
	}
	if (sf->dumper == NULL) {
		/* libpcap names the /proc path; name the user's instead */
		const char *why = pcap_geterr(sf->dead);
		const char *p = proc[0] != '\0' ? strstr(why, proc) : NULL;

		snprintf(err, errlen, "`%s': %s", sf->path,
		    p != NULL ? p + strlen(proc) + (p[strlen(proc)] == ':' ?
		    2 : 0) : why);
		pcap_close(sf->dead);
		sf->dead = NULL;
		return -1;
	}
	/* libpcap's own stream is not close-on-exec: a hook must not get it */
	fcntl(fileno(pcap_dump_file(sf->dumper)), F_SETFD, FD_CLOEXEC);
	if (sf->fd != -1)
		close(sf->fd);
	sf->fd = -1;
	sf->linktype = linktype;
	return 0;
}


static uint16_t
ethertype_of(const struct nflog_parts *np)
{
	if (np->hwproto != 0)
		return np->hwproto;
	if (np->payload_len > 0 && np->payload[0] >> 4 == 6)
		return ETHERTYPE_IPV6;
	return ETHERTYPE_IPV4;
}

/* An NFLOG record as a packet of the file's link type, in out; its length,
 * or 0 when that link type cannot carry it. *wire is the packet's length
 * on the wire as its IP header tells (NFLOG copied only SNAPLEN bytes). */
static size_t
convert_nflog(int linktype, const uint8_t *p, size_t len, uint8_t *out,
    size_t outlen, size_t *wire)
{
	struct nflog_parts np;
	size_t hdr;
	uint16_t type;

	if (!packet_nflog_split(p, len, &np) || np.payload == NULL)
		return 0;
	type = ethertype_of(&np);
	memset(out, 0, outlen);
	switch (linktype) {
	case LINKTYPE_RAW:
		hdr = 0;
		break;
	case LINKTYPE_ETHERNET:
		hdr = 14;
		if (np.hwtype == 1 && np.hwheader_len == 14)
			memcpy(out, np.hwheader, 14);
		else {
			out[12] = type >> 8;
			out[13] = type & 0xff;
		}
		break;
	case LINKTYPE_LINUX_SLL:
		hdr = 16;
		out[14] = type >> 8;
		out[15] = type & 0xff;
		break;
	case LINKTYPE_LINUX_SLL2:
		hdr = 20;
		out[0] = type >> 8;
		out[1] = type & 0xff;
		break;
	default:
		return 0;
	}
	if (hdr + np.payload_len > outlen)
		np.payload_len = outlen - hdr;
	memcpy(out + hdr, np.payload, np.payload_len);
	*wire = hdr + np.payload_len;
	if (np.payload_len >= 4 && np.payload[0] >> 4 == 4)
		*wire = hdr + (size_t)(np.payload[2] << 8 | np.payload[3]);
	else if (np.payload_len >= 6 && np.payload[0] >> 4 == 6)
		*wire = hdr + 40 + (size_t)(np.payload[4] << 8 | np.payload[5]);
	if (*wire < hdr + np.payload_len)
		*wire = hdr + np.payload_len;
	return hdr + np.payload_len;
}

void
savefile_write(struct savefile *sf, int linktype, const struct timespec *ts,
    const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h;
	uint8_t buf[1024];
	char err[256];
	size_t n, wire;

	if (sf->linktype == -1 &&
	    savefile_bind(sf, linktype, err, sizeof err) == -1) {
		if (!sf->warned)
			log_warnx("%s", err);
		sf->warned = true;
		return;
	}
	if (linktype != sf->linktype) {
		if (linktype != LINKTYPE_NFLOG ||
		    (n = convert_nflog(sf->linktype, data, caplen, buf,
		    sizeof buf, &wire)) == 0) {
			if (!sf->warned)
				log_warnx("-w: `%s': cannot write packets of "
				    "link type %d into a file of link type %d",
				    sf->path, linktype, sf->linktype);
			sf->warned = true;
			return;
		}
		data = buf;
		caplen = (uint32_t)n;
		len = (uint32_t)wire;
	}
	h.ts.tv_sec = ts->tv_sec;
	h.ts.tv_usec = ts->tv_nsec / 1000;
	h.caplen = caplen;
	h.len = len > caplen ? len : caplen;
	pcap_dump((u_char *)sf->dumper, &h, data);
	if (pcap_dump_flush(sf->dumper) == -1)
		log_warn("-w: `%s'", sf->path);
}

void
savefile_close(struct savefile *sf)
{
	struct savefile **pp;

	if (sf == NULL || --sf->refs > 0)
		return;
	for (pp = &open_files; *pp != sf; pp = &(*pp)->next)
		;
	*pp = sf->next;
	if (sf->dumper != NULL)
		pcap_dump_close(sf->dumper);
	if (sf->dead != NULL)
		pcap_close(sf->dead);
	if (sf->fd != -1)
		close(sf->fd);
	free(sf->path);
	free(sf);
}
