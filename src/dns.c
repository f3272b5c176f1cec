/*
 * dns.c: --dns-name. A watch with DNS names starts on a DNS query for a
 * matching name only: a datagram or TCP segment to port 53 that holds a
 * whole message (over TCP, after its two-byte length: one message per
 * segment, the first; a query split across segments is not read), with
 * QR 0, opcode QUERY and exactly one question, whose end the sensor
 * captured (SNAPLEN: a name of more than about 180 bytes is not read).
 * The question is read by libresolv (dn_skipname, ns_initparse,
 * ns_parserr: it expands the name, bounded by the message and by 255
 * bytes, and refuses compression loops and labels of the reserved
 * kinds), never by a parser of ours; the name is then lower-cased
 * (ASCII) and compared with the patterns:
 *
 *	host.example	that name
 *	*.example	any name below example, not example itself
 *	.example	example and any name below it
 *
 * Patterns are kept normalised, lower case, without a trailing dot,
 * separated by one comma. Names of other scripts are written in their
 * IDNA form (xn--...), as they go on the wire.
 *
 * dns-keep reads answers the same way (dns_answer_of, below).
 *
 * libresolv is loaded (dlopen) by the first watch with DNS names, or the
 * first query read: a daemon without --dns-name does not map it.
 */
#include <arpa/nameser.h>
#include <dlfcn.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "packet.h"

#define DNS_PORT	53
#define ANSWER_MAX	512	/* bytes of an answer read, at most */

static int	(*initparse)(const unsigned char *, int, ns_msg *);
static int	(*parserr)(ns_msg *, ns_sect, int, ns_rr *);

/* 0, or -1 and err (NULL: not said) */
int
dns_load(char *err, size_t len)
{
	void *h;

	if (parserr != NULL)
		return 0;
	if ((h = dlopen("libresolv.so.2", RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (initparse = (int (*)(const unsigned char *, int, ns_msg *))
	    dlsym(h, "ns_initparse")) == NULL ||
	    (parserr = (int (*)(ns_msg *, ns_sect, int, ns_rr *))
	    dlsym(h, "ns_parserr")) == NULL) {
		if (err != NULL)
			snprintf(err, len, "libresolv: %s", dlerror());
		initparse = NULL;
		parserr = NULL;
		return -1;
	}
	return 0;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 3597's TYPEnn where a type has no word of its own here */
static void
type_name(uint16_t t, char *buf, size_t len)
{
	static const struct {
		uint16_t	 type;
		const char	*name;
	} names[] = {
		{ ns_t_a, "A" }, { ns_t_ns, "NS" }, { ns_t_cname, "CNAME" },
		{ ns_t_soa, "SOA" }, { ns_t_ptr, "PTR" }, { ns_t_mx, "MX" },
		{ ns_t_txt, "TXT" }, { ns_t_aaaa, "AAAA" }, { ns_t_srv, "SRV" },
		{ ns_t_naptr, "NAPTR" }, { ns_t_ds, "DS" },
		{ ns_t_dnskey, "DNSKEY" }, { 64, "SVCB" }, { 65, "HTTPS" },
		{ ns_t_caa, "CAA" }, { ns_t_any, "ANY" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].type == t) {
			snprintf(buf, len, "%s", names[i].name);
			return;
		}
	snprintf(buf, len, "TYPE%u", t);
}

/* The message of a datagram or segment to port 53 (a query's), or from
 * it (an answer's), after TCP's length: one message per segment, whole
 * in it; DNS_QUERY if it is one, of opcode QUERY. */
static enum dns_kind
message(const struct packet_info *pi, bool answer, const uint8_t **msg,
    size_t *len)
{
	*msg = pi->payload;
	*len = pi->payload_len;
	if (!pi->has_payload || !pi->has_ports ||
	    (answer ? pi->sport : pi->dport) != DNS_PORT ||
	    (pi->proto != IPPROTO_NUM_UDP && pi->proto != IPPROTO_NUM_TCP))
		return DNS_NONE;
	if (pi->proto == IPPROTO_NUM_TCP) {
		if (*len == 0)
			return DNS_NONE;	/* a handshake, an ACK */
		if (*len < 2)
			return DNS_BAD;
		/* a query must be whole in the segment; an answer is read
		 * as far as the capture holds it */
		if ((size_t)((*msg)[0] << 8 | (*msg)[1]) > *len - 2 && !answer)
			return DNS_BAD;		/* not whole in this segment */
		if ((size_t)((*msg)[0] << 8 | (*msg)[1]) < *len - 2)
			*len = (size_t)((*msg)[0] << 8 | (*msg)[1]) + 2;
		*len -= 2;
		*msg += 2;
	}
	if (*len < NS_HFIXEDSZ)
		return DNS_BAD;
	if (((*msg)[2] >> 3 & 0x0f) != ns_o_query)
		return DNS_OTHER;
	return DNS_QUERY;
}

/* Where the question of msg (one, its count checked) ends, or 0: found
 * by libresolv's dn_skipname, bounded by the message */
static size_t
question_end(const uint8_t *msg, size_t len)
{
	int n;

	if (msg[4] != 0 || msg[5] != 1 ||
	    (n = dn_skipname(msg + NS_HFIXEDSZ, msg + len)) < 0 ||
	    NS_HFIXEDSZ + (size_t)n + NS_QFIXEDSZ > len ||
	    (size_t)n > NS_MAXCDNAME)
		return 0;
	return NS_HFIXEDSZ + (size_t)n + NS_QFIXEDSZ;
}

/* The question of a copy that holds the header and the question (and
 * any records counted in its header): its name lower-cased, without the
 * trailing dot, and its type; DNS_OTHER for an escaped name. */
static enum dns_kind
question(const uint8_t *copy, size_t len, ns_msg *m, struct dns_query *q)
{
	ns_rr rr;
	size_t i;

	if (dns_load(NULL, 0) == -1 || initparse(copy, (int)len, m) == -1 ||
	    parserr(m, ns_s_qd, 0, &rr) == -1 ||
	    strlen(ns_rr_name(rr)) >= sizeof q->name)
		return DNS_BAD;
	/* a label holding a dot or a byte outside printable ASCII comes
	 * escaped (`x\.corp.example'): no host name, and no name a
	 * pattern's text may match */
	if (strchr(ns_rr_name(rr), '\\') != NULL)
		return DNS_OTHER;
	for (i = 0; ns_rr_name(rr)[i] != '\0'; i++)
		q->name[i] = lower(ns_rr_name(rr)[i]);
	q->name[i] = '\0';
	if (i > 1 && q->name[i - 1] == '.')
		q->name[i - 1] = '\0';
	type_name(ns_rr_type(rr), q->type, sizeof q->type);
	return DNS_QUERY;
}

enum dns_kind
dns_query_of(const struct packet_info *pi, struct dns_query *q)
{
	uint8_t copy[NS_HFIXEDSZ + NS_MAXCDNAME + NS_QFIXEDSZ];
	const uint8_t *msg;
	enum dns_kind k;
	size_t len;
	ns_msg m;

	if ((k = message(pi, false, &msg, &len)) != DNS_QUERY)
		return k;
	if ((msg[2] & 0x80) != 0)
		return DNS_OTHER;		/* a response */
	/* Only the question is read: libresolv finds where its name ends
	 * and reads it from a copy that holds the header and the question
	 * alone, so that what follows (an EDNS record, or the capture's
	 * end) is not its concern. */
	if ((len = question_end(msg, len)) == 0)
		return DNS_BAD;
	memcpy(copy, msg, len);
	memset(copy + 6, 0, 6);		/* ANCOUNT, NSCOUNT, ARCOUNT */
	return question(copy, len, &m, q);
}

/*
 * dns-keep: the addresses of an answer, from port 53: a response (QR 1,
 * opcode QUERY, RCODE NOERROR) of one question, whose A and AAAA records
 * of class IN in the answer section are given, at most max, in order,
 * up to the first whose name libresolv refuses. The records are those
 * whole in what the sensor kept of the packet (its first SNAPLEN bytes,
 * headers included: some ten A records after a short question; over
 * TCP, the first message of the segment):
 * libresolv's dn_skipname finds where each owner name ends, and the
 * header's count is lowered to the records that are whole, before
 * ns_initparse and ns_parserr read them (a cut-short message is refused
 * by them whole). Returns DNS_QUERY (an answer: q its question, *n its
 * addresses, maybe none), or why not.
 */
enum dns_kind
dns_answer_of(const struct packet_info *pi, struct dns_query *q,
    struct dns_addr *out, int max, int *n)
{
	uint8_t copy[ANSWER_MAX];
	const uint8_t *msg;
	size_t len, at, end;
	unsigned count, whole, i;
	enum dns_kind k;
	ns_msg m;
	ns_rr rr;
	int skip;

	*n = 0;
	if ((k = message(pi, true, &msg, &len)) != DNS_QUERY)
		return k;
	if ((msg[2] & 0x80) == 0 || (msg[3] & 0x0f) != ns_r_noerror)
		return DNS_OTHER;		/* a query, or an error */
	if (len > sizeof copy)
		len = sizeof copy;
	if ((at = question_end(msg, len)) == 0)
		return DNS_BAD;
	count = (unsigned)(msg[6] << 8 | msg[7]);
	for (whole = 0; whole < count; whole++) {
		if ((skip = dn_skipname(msg + at, msg + len)) < 0 ||
		    at + (size_t)skip + NS_RRFIXEDSZ > len)
			break;
		end = at + (size_t)skip + NS_RRFIXEDSZ;
		end += (size_t)(msg[end - 2] << 8 | msg[end - 1]);
		if (end > len)
			break;
		at = end;
	}
	memcpy(copy, msg, at);
	copy[6] = (uint8_t)(whole >> 8);
	copy[7] = (uint8_t)whole;
	memset(copy + 8, 0, 4);		/* NSCOUNT, ARCOUNT */
	if ((k = question(copy, at, &m, q)) != DNS_QUERY)
		return k;
	for (i = 0; i < whole && *n < max; i++) {
		if (parserr(&m, ns_s_an, (int)i, &rr) == -1)
			break;		/* a bad name: the records before it */
		if (ns_rr_class(rr) != ns_c_in ||
		    (ns_rr_type(rr) != ns_t_a && ns_rr_type(rr) != ns_t_aaaa) ||
		    ns_rr_rdlen(rr) != (ns_rr_type(rr) == ns_t_a ? 4 : 16))
			continue;
		out[*n].family = ns_rr_type(rr) == ns_t_a ? 4 : 6;
		memcpy(out[*n].addr, ns_rr_rdata(rr), ns_rr_rdlen(rr));
		/* RFC 2181 8: a TTL with its top bit set is 0 */
		out[*n].ttl = ns_rr_ttl(rr) > 0x7fffffff ? 0 : ns_rr_ttl(rr);
		(*n)++;
	}
	return DNS_QUERY;
}

/* one pattern's name part: labels of 1 to 63 letters, digits, `-' or
 * `_', at most 253 in all */
static bool
name_ok(const char *s, size_t n)
{
	size_t label = 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-' || s[i] == '_') || ++label > 63)
			return false;
	}
	return label > 0;
}

/* A list of patterns (commas or blanks between them) made normal into
 * out; false, and err naming the bad one, if one is not a pattern. */
bool
dns_patterns(const char *list, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char p[300];
	size_t n, o = 0, i, k = 0;
	const char *s = list, *name;

	out[0] = '\0';
	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		n = strcspn(s, ", \t");
		if (n >= sizeof p) {
			snprintf(err, errlen, "`%.40s...' is longer than a DNS "
			    "name", s);
			return false;
		}
		for (i = 0; i < n; i++)
			p[i] = lower(s[i]);
		p[n] = '\0';
		if (n > 1 && p[n - 1] == '.')	/* the root's dot */
			p[--n] = '\0';
		name = p[0] == '*' && p[1] == '.' ? p + 2 : p[0] == '.' ?
		    p + 1 : p;
		for (i = 0; i < n && (unsigned char)p[i] < 0x80; i++)
			;
		if (i < n) {
			snprintf(err, errlen, "`%.*s': use its xn-- form (IDNA), "
			    "as it goes on the wire", (int)n, s);
			return false;
		}
		if (!name_ok(name, strlen(name))) {
			snprintf(err, errlen, "`%.*s' is not a DNS name pattern "
			    "(host.example, *.example, .example)", (int)n, s);
			return false;
		}
		if (++k > DNS_PATTERNS_MAX || o + n + 2 > outlen) {
			snprintf(err, errlen, "more than %d DNS name patterns",
			    DNS_PATTERNS_MAX);
			return false;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s%s",
		    o > 0 ? "," : "", p);
		s += strcspn(s, ", \t");
	}
	if (k == 0) {
		snprintf(err, errlen, "no DNS name pattern in `%s'", list);
		return false;
	}
	return true;
}

/* name (lower case, no trailing dot) against one pattern of n bytes */
static bool
match_one(const char *p, size_t n, const char *name)
{
	size_t len = strlen(name);
	bool below = p[0] == '*', self = p[0] != '*';

	if (p[0] != '*' && p[0] != '.')
		return len == n && memcmp(p, name, n) == 0;
	/* p is ".suffix" (below, after the `*') */
	if (below) {
		p++;
		n--;
	}
	if (self && len == n - 1 && memcmp(p + 1, name, n - 1) == 0)
		return true;
	return len > n && memcmp(name + len - n, p, n) == 0;
}

bool
dns_match(const char *patterns, const char *name)
{
	const char *p = patterns;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (match_one(p, n, name))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}
