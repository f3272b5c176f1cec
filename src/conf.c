/*
 * conf.c: the settings of a watch, one table for the command line and the
 * configuration file, so a long option and a key are the same name with
 * the same checks. Pure. Each setter says only what is wrong with the
 * value; the caller puts in front where it came from ("-t: ",
 * "file:9: ttl: "). The number parsers are strict (digits only, no sign,
 * no blanks), so that "1.5", " 5" and "+5" are refused by name, not read
 * as something else.
 */
#define _GNU_SOURCE
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns.h"

static bool
take(char **field, const char *value)
{
	char *s;

	if ((s = strdup(value)) == NULL)
		abort();
	free(*field);
	*field = s;
	return true;
}

static bool
nonempty(char **field, const char *value, const char *what, char *err,
    size_t len)
{
	if (*value == '\0') {
		snprintf(err, len, "empty %s", what);
		return false;
	}
	return take(field, value);
}

static bool
set_ifname(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return nonempty(&wc->ifname, v, "interface name", err, len);
}

static bool
set_filter(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	(void)err, (void)len;
	return take(&wc->filter, v);
}

static bool
set_keepalive_filter(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	return nonempty(&wc->keepalive_filter, v, "filter", err, len);
}

static bool
number(const char *v, unsigned long long max, const char *what, int *out,
    char *err, size_t len)
{
	unsigned long long n;

	if (!parse_uint(v, 0, max, &n)) {
		snprintf(err, len, "`%s' is not %s (0-%llu)", v, what, max);
		return false;
	}
	*out = (int)n;
	return true;
}

static bool
set_nflog_group(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return number(v, 65535, "an NFLOG group", &wc->nflog_group, err, len);
}

static bool
prefix(char **field, const char *v, char *err, size_t len)
{
	if (*v == '\0' || strlen(v) > NFLOG_PREFIX_LEN) {
		snprintf(err, len, "`%s' is not a log prefix (1-%d characters)",
		    v, NFLOG_PREFIX_LEN);
		return false;
	}
	return take(field, v);
}

static bool
set_nflog_prefix(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return prefix(&wc->nflog_prefix, v, err, len);
}

static bool
set_keepalive_prefix(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	return prefix(&wc->keepalive_prefix, v, err, len);
}

static bool
set_queue(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return number(v, 65535, "an NFQUEUE number", &wc->queue, err, len);
}

static const char *const hook_names[NF_INET_NUMHOOKS] = {
	[NF_INET_PRE_ROUTING] = "prerouting", [NF_INET_LOCAL_IN] = "input",
	[NF_INET_FORWARD] = "forward", [NF_INET_LOCAL_OUT] = "output",
	[NF_INET_POST_ROUTING] = "postrouting",
};

const char *
netfilter_hook_name(int hook)
{
	return hook >= 0 && hook < NF_INET_NUMHOOKS ? hook_names[hook] : "?";
}

/* "output,forward" -> a mask by NF_INET_* */
bool
parse_hooks(const char *list, unsigned *mask)
{
	const char *p = list, *end;
	size_t n;
	int h;

	*mask = 0;
	do {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		for (h = 0; h < NF_INET_NUMHOOKS; h++)
			if (strlen(hook_names[h]) == n &&
			    strncmp(hook_names[h], p, n) == 0)
				break;
		if (h == NF_INET_NUMHOOKS)
			return false;
		*mask |= 1u << h;
		p = end != NULL ? end + 1 : NULL;
	} while (p != NULL);
	return true;
}

static bool
set_match(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return nonempty(&wc->match, v, "nft expression", err, len);
}

static bool
set_dns_name(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	char list[DNS_PATTERNS_MAX * 256];

	if (!dns_patterns(v, list, sizeof list, err, len))
		return false;
	free(wc->dns_names);
	if ((wc->dns_names = strdup(list)) == NULL)
		abort();
	return true;
}

static bool
set_match_hooks(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	if (!parse_hooks(v, &wc->match_hooks)) {
		snprintf(err, len, "`%s' is not a list of netfilter hooks "
		    "(prerouting, input, forward, output, postrouting, comma "
		    "separated)", v);
		return false;
	}
	return true;
}

static const char *const session_kinds[] = {
	[SESSION_NONE] = "none", [SESSION_SADDR] = "saddr",
	[SESSION_DADDR] = "daddr", [SESSION_FLOW] = "flow",
};

const char *
session_kind_name(int kind)
{
	return kind >= 0 && kind <= SESSION_FLOW ? session_kinds[kind] : "?";
}

static bool
set_session(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	int k;

	for (k = SESSION_NONE; k <= SESSION_FLOW; k++)
		if (strcmp(v, session_kinds[k]) == 0) {
			wc->session = k;
			return true;
		}
	snprintf(err, len, "`%s' is not a session key (saddr, daddr, flow or "
	    "none)", v);
	return false;
}

static bool
set_session_max(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	unsigned long long n;

	if (!parse_uint(v, 1, SESSION_MAX_MAX, &n)) {
		snprintf(err, len, "`%s' is not a number of sessions (1-%d)", v,
		    SESSION_MAX_MAX);
		return false;
	}
	wc->session_max = (unsigned)n;
	return true;
}

static bool
set_session_hooks(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	unsigned long long n;

	if (!parse_uint(v, 1, SESSION_HOOKS_MAX, &n)) {
		snprintf(err, len, "`%s' is not a number of hooks (1-%d)", v,
		    SESSION_HOOKS_MAX);
		return false;
	}
	wc->session_hooks = (unsigned)n;
	return true;
}

static bool
set_queue_hold_max(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	unsigned long long n;

	if (!parse_uint(v, 1, QUEUE_HOLD_MAX, &n)) {
		snprintf(err, len, "`%s' is not a number of packets (1-%d)", v,
		    QUEUE_HOLD_MAX);
		return false;
	}
	wc->queue_hold_max = (unsigned)n;
	return true;
}

/* 32 bits, decimal or 0x hexadecimal, as nft and iptables print marks */
static bool
parse_mark(const char *s, uint32_t *out)
{
	unsigned long long v = 0;
	int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		v = v * (unsigned)base + (unsigned)d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool
set_keep_connections(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	char mark[32];
	const char *slash = strchr(v, '/');
	size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
	uint32_t m, mask = UINT32_MAX;

	if (strcmp(v, "auto") == 0) {	/* a bit of its own, given later */
		wc->keep_connections = wc->keep_auto = true;
		wc->keep_mark = wc->keep_mask = 0;
		return true;
	}
	if (n >= sizeof mark || (memcpy(mark, v, n), mark[n] = '\0',
	    !parse_mark(mark, &m)) ||
	    (slash != NULL && !parse_mark(slash + 1, &mask)) || mask == 0) {
		snprintf(err, len, "`%s' is not a connection mark: MARK or "
		    "MARK/MASK, 32 bits each, decimal or 0x hex, mask not 0; "
		    "or auto, with match", v);
		return false;
	}
	wc->keep_connections = true;
	wc->keep_auto = false;
	wc->keep_mark = m & mask;
	wc->keep_mask = mask;
	return true;
}

static bool
set_hook(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	(void)err, (void)len;
	return take(&wc->hook, v);
}

static bool
seconds(const char *v, unsigned min, unsigned *out, const char *zero,
    char *err, size_t len)
{
	if (!parse_seconds(v, min, out)) {
		snprintf(err, len, "`%s' is not a number of seconds (%u-%u%s)",
		    v, min, SECONDS_MAX, zero);
		return false;
	}
	return true;
}

static bool
set_ttl(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return seconds(v, 1, &wc->ttl, "", err, len);
}

static bool
set_hook_timeout(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return seconds(v, 0, &wc->hook_timeout, ", 0 = no limit", err, len);
}

static bool
set_holdoff(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return seconds(v, 0, &wc->holdoff, ", 0 = none", err, len);
}

static bool
set_min_up(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return seconds(v, 0, &wc->min_up, ", 0 = none", err, len);
}

static bool
set_max_up(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return seconds(v, 0, &wc->max_up, ", 0 = none", err, len);
}

static bool
flag(bool *field, const char *v, char *err, size_t len)
{
	if (v == NULL) {		/* the command line: present */
		*field = true;
		return true;
	}
	if (!parse_bool(v, field)) {
		snprintf(err, len, "`%s' is neither yes nor no", v);
		return false;
	}
	return true;
}

static bool
set_dns_keep(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return flag(&wc->dns_keep, v, err, len);
}

static bool
set_dns_keep_max(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	unsigned long long n;

	if (!parse_uint(v, 1, DNS_KEEP_MAX_MAX, &n)) {
		snprintf(err, len, "`%s' is not a number of addresses (1-%d)", v,
		    DNS_KEEP_MAX_MAX);
		return false;
	}
	wc->dns_keep_max = (unsigned)n;
	return true;
}

static bool
set_hold_first(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return flag(&wc->hold_first, v, err, len);
}

static bool
set_ack_only(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return flag(&wc->ack_only, v, err, len);
}

static bool
set_strict_start(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return flag(&wc->strict_start, v, err, len);
}

static bool
set_wait_interface(struct watch_conf *wc, const char *v, char *err,
    size_t len)
{
	return flag(&wc->wait_interface, v, err, len);
}

static bool
set_savefile(struct watch_conf *wc, const char *v, char *err, size_t len)
{
	return nonempty(&wc->savefile, v, "savefile name", err, len);
}

#define PCAP	"interface"
#define NFLOG	"nflog-group"
#define QUEUE	"queue"
#define MATCH	"match"
#define SESSION	"session"

/* in_place: what only the state machine, the hook's timeout or a
 * sensor's own table reads, so a reload changes it under a running
 * watch; every other setting means other sockets, another capture or
 * another hook, and a reload that changes one restarts the watch */
const struct setting watch_settings[] = {
	{ "interface",		'i', false, NULL,  false, set_ifname },
	{ "filter",		'f', false, PCAP,  false, set_filter },
	{ "nflog-group",	'n', false, NULL,  false, set_nflog_group },
	{ "nflog-prefix",	0,   false, NFLOG, false, set_nflog_prefix },
	{ "queue",		'q', false, NULL,  false, set_queue },
	{ "queue-hold-max",	0,   false, QUEUE, false, set_queue_hold_max },
	{ "command",		'c', false, NULL,  false, set_hook },
	{ "ttl",		't', false, NULL,  true,  set_ttl },
	{ "ack-only",		'a', true,  NULL,  false, set_ack_only },
	{ "savefile",		'w', false, NULL,  false, set_savefile },
	{ "hook-timeout",	0,   false, NULL,  true,  set_hook_timeout },
	{ "wait-interface",	0,   true,  PCAP,  false, set_wait_interface },
	{ "keep-connections",	0,   false, NULL,  false, set_keep_connections },
	{ "strict-start",	0,   true,  NULL,  true,  set_strict_start },
	{ "keepalive-filter",	0,   false, PCAP,  false, set_keepalive_filter },
	{ "keepalive-prefix",	0,   false, NFLOG, true,  set_keepalive_prefix },
	{ "holdoff",		0,   false, NULL,  true,  set_holdoff },
	{ "min-up",		0,   false, NULL,  true,  set_min_up },
	{ "max-up",		0,   false, NULL,  true,  set_max_up },
	{ "match",		0,   false, NULL,  false, set_match },
	{ "match-hooks",	0,   false, MATCH, false, set_match_hooks },
	{ "hold-first",		0,   true,  MATCH, false, set_hold_first },
	{ "session",		0,   false, MATCH, false, set_session },
	{ "session-max",	0,   false, SESSION, false, set_session_max },
	{ "session-hooks",	0,   false, SESSION, true, set_session_hooks },
	{ "dns-name",		0,   false, NULL,  false, set_dns_name },
	{ "dns-keep",		0,   true,  MATCH, false, set_dns_keep },
	{ "dns-keep-max",	0,   false, MATCH, false, set_dns_keep_max },
	{ NULL, 0, false, NULL, false, NULL }
};

_Static_assert(sizeof watch_settings / sizeof watch_settings[0] <=
    SETTINGS_MAX + 1, "tables indexed by setting need SETTINGS_MAX raised");

/* its index in watch_settings, or -1 */
int
setting_index(const char *key)
{
	const struct setting *s = setting_find(key);

	return s != NULL ? (int)(s - watch_settings) : -1;
}

/* the settings a reload changes in place, as a mask by index */
uint32_t
settings_in_place(void)
{
	uint32_t m = 0;
	int i;

	for (i = 0; watch_settings[i].key != NULL; i++)
		if (watch_settings[i].in_place)
			m |= 1u << i;
	return m;
}

const struct setting *
setting_find(const char *key)
{
	const struct setting *s;

	for (s = watch_settings; s->key != NULL; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* Whether wc has the sensor its setting s belongs to, or s belongs to
 * none: a [daemon] default of a sensor's own setting means nothing for a
 * watch without that sensor. */
bool
setting_fits(const struct setting *s, const struct watch_conf *wc)
{
	if (s->sensor == NULL)
		return true;
	if (strcmp(s->sensor, PCAP) == 0)
		return wc->ifname != NULL;
	if (strcmp(s->sensor, NFLOG) == 0)
		return wc->nflog_group >= 0;
	if (strcmp(s->sensor, MATCH) == 0)
		return wc->match != NULL;
	if (strcmp(s->sensor, SESSION) == 0)
		return wc->session != SESSION_NONE;
	return wc->queue >= 0;
}

/* How a message names a setting: its key in a file, its option on the
 * command line (the short one where there is one, as users type it). */
static const char *
name(const char *key, bool file, char *buf, size_t len)
{
	const struct setting *s = setting_find(key);

	if (file)
		snprintf(buf, len, "%s", key);
	else if (s != NULL && s->letter != 0)
		snprintf(buf, len, "-%c", s->letter);
	else
		snprintf(buf, len, "--%s", key);
	return buf;
}

/* whether a check of these settings says anything true: a setting given
 * with a bad value (its bit in bad) was refused already, and what follows
 * from its absence would be a second, misleading error */
static bool
known(uint32_t bad, const char *k1, const char *k2, const char *k3)
{
	const char *keys[] = { k1, k2, k3 };
	size_t i;

	for (i = 0; i < 3; i++)
		if (keys[i] != NULL && (bad & 1u << setting_index(keys[i])))
			return false;
	return true;
}

/* What no single setting can tell: settings that need one another. how:
 * WC_FILE, WC_REPLAY (conf.h); bad: settings given with a value that was
 * refused, by index (checks that involve one are skipped); *key, the
 * setting at fault, or NULL for the watch as a whole. */
bool
watch_conf_check(const struct watch_conf *wc, unsigned how, uint32_t bad,
    const char **key, char *err, size_t len)
{
	bool file = how & WC_FILE, replay = how & WC_REPLAY;
	const struct setting *s;
	char a[32], b[32];
	/* a sensor's own settings, given without it; a replay's capture
	 * stands for the interface its filters are for */
	const struct {
		bool		 given, replayed;
		const char	*key;
	} own[] = {
		{ wc->filter != NULL, true, "filter" },
		{ wc->keepalive_filter != NULL, true, "keepalive-filter" },
		{ wc->wait_interface, false, "wait-interface" },
		{ wc->nflog_prefix != NULL, false, "nflog-prefix" },
		{ wc->keepalive_prefix != NULL, false, "keepalive-prefix" },
		{ wc->queue_hold_max != QUEUE_HOLD_DEFAULT, false,
		    "queue-hold-max" },
		{ wc->match_hooks != MATCH_HOOKS_MASK, false, "match-hooks" },
		{ wc->hold_first, false, "hold-first" },
		{ wc->session != SESSION_NONE, false, "session" },
		{ wc->session_max != SESSION_MAX_DEFAULT, false,
		    "session-max" },
		{ wc->session_hooks != SESSION_HOOKS_DEFAULT, false,
		    "session-hooks" },
		{ wc->dns_keep, false, "dns-keep" },
		{ wc->dns_keep_max != DNS_KEEP_MAX_DEFAULT, false,
		    "dns-keep-max" },
	};
	size_t i;

	*key = NULL;
	if (wc->ifname == NULL && wc->nflog_group < 0 && wc->queue < 0 &&
	    wc->match == NULL && !replay &&
	    known(bad, "interface", "nflog-group", "queue") &&
	    known(bad, "match", NULL, NULL)) {
		if (file)
			snprintf(err, len, "no sensor: give interface, "
			    "nflog-group, queue and/or match");
		else
			snprintf(err, len, "no sensor: give -i <ifname> (pcap), "
			    "-n <nflog-group>, -q <queue> and/or --match "
			    "<nft expression>");
		return false;
	}
	if (wc->session != SESSION_NONE && wc->hold_first && !replay) {
		*key = "hold-first";
		snprintf(err, len, "%s does not go with %s yet: a session's "
		    "first packets are logged, not held", name("hold-first",
		    file, a, sizeof a), name("session", file, b, sizeof b));
		return false;
	}
	/* only the daemon's own rules can set the bit it picks */
	if (wc->keep_auto && wc->match == NULL && !replay &&
	    known(bad, "match", NULL, NULL)) {
		*key = "keep-connections";
		snprintf(err, len, "%s auto needs %s (without it, give the mark "
		    "your own rule sets: MARK[/MASK])", name("keep-connections",
		    file, a, sizeof a), name("match", file, b, sizeof b));
		return false;
	}
	if (wc->dns_names != NULL && wc->session != SESSION_NONE && !replay) {
		*key = "dns-name";
		snprintf(err, len, "%s does not go with %s yet: a session "
		    "starts on its client's first packet", name("dns-name",
		    file, a, sizeof a), name("session", file, b, sizeof b));
		return false;
	}
	if (wc->dns_keep && wc->dns_names == NULL && !replay &&
	    known(bad, "dns-name", NULL, NULL)) {
		*key = "dns-keep";
		snprintf(err, len, "%s needs %s: it keeps the addresses of the "
		    "answers to queries for those names", name("dns-keep", file,
		    a, sizeof a), name("dns-name", file, b, sizeof b));
		return false;
	}
	if (wc->dns_keep_max != DNS_KEEP_MAX_DEFAULT && !wc->dns_keep) {
		*key = "dns-keep-max";
		snprintf(err, len, "%s needs %s", name("dns-keep-max", file, a,
		    sizeof a), name("dns-keep", file, b, sizeof b));
		return false;
	}
	/* the kernel sees only a match's first packets, whole */
	if (wc->match != NULL && wc->ack_only && !replay) {
		*key = "ack-only";
		snprintf(err, len, "%s does not go with %s: say `tcp flags & "
		    "ack == ack' in the expression", name("ack-only", file, a,
		    sizeof a), name("match", file, b, sizeof b));
		return false;
	}
	/* a sensor of packets is what starts a watch; connections only
	 * keep one up (checked after "no sensor": -q, -n or -i is one) */
	if (wc->filter != NULL && wc->ifname == NULL && !replay &&
	    known(bad, "interface", NULL, NULL)) {
		/* the original's case, said as it always was */
		*key = "filter";
		snprintf(err, len, "%s `%s' needs %s: the filter belongs to the "
		    "pcap sensor (NFLOG filters live in the firewall rule)",
		    name("filter", file, a, sizeof a), wc->filter,
		    name("interface", file, b, sizeof b));
		return false;
	}
	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		s = setting_find(own[i].key);
		if (own[i].given && !setting_fits(s, wc) &&
		    !(replay && own[i].replayed) &&
		    known(bad, s->sensor, NULL, NULL)) {
			*key = s->key;
			snprintf(err, len, "%s needs %s", name(s->key, file, a,
			    sizeof a), name(s->sensor, file, b, sizeof b));
			return false;
		}
	}
	if ((wc->hook == NULL || *wc->hook == '\0') && !replay) {
		if (file)
			snprintf(err, len, "no command: give command = <path>, "
			    "run as `<path> start' and `<path> stop'");
		else
			snprintf(err, len, "no command: give -c <path> to run as "
			    "`<path> start' and `<path> stop'");
		return false;
	}
	if (wc->min_up != 0 && wc->max_up != 0 && wc->min_up > wc->max_up) {
		*key = "min-up";
		snprintf(err, len, "%s %u is more than %s %u",
		    name("min-up", file, a, sizeof a), wc->min_up,
		    name("max-up", file, b, sizeof b), wc->max_up);
		return false;
	}
	return true;
}

struct watch_conf *
watch_conf_new(void)
{
	struct watch_conf *wc;

	if ((wc = calloc(1, sizeof *wc)) == NULL)
		return NULL;
	wc->nflog_group = -1;
	wc->queue = -1;
	wc->queue_hold_max = QUEUE_HOLD_DEFAULT;
	wc->match_hooks = MATCH_HOOKS_MASK;
	wc->session_max = SESSION_MAX_DEFAULT;
	wc->session_hooks = SESSION_HOOKS_DEFAULT;
	wc->dns_keep_max = DNS_KEEP_MAX_DEFAULT;
	wc->ttl = TTL_DEFAULT;
	wc->hook_timeout = HOOK_TIMEOUT_DEFAULT;
	return wc;
}

#define STRINGS(f) \
	f(name) f(ifname) f(filter) f(keepalive_filter) f(nflog_prefix) \
	f(keepalive_prefix) f(hook) f(savefile) f(match) f(dns_names)

/* A copy with strings of its own: the [daemon] section's defaults, made
 * into each watch. */
struct watch_conf *
watch_conf_dup(const struct watch_conf *from)
{
	struct watch_conf *wc;

	if ((wc = malloc(sizeof *wc)) == NULL)
		return NULL;
	*wc = *from;
	wc->next = NULL;
#define DUP(f)	if (from->f != NULL && (wc->f = strdup(from->f)) == NULL) abort();
	STRINGS(DUP)
	DUP(file)
	DUP(defaults_file)
#undef DUP
	return wc;
}

void
watch_conf_free(struct watch_conf *wc)
{
	if (wc == NULL)
		return;
#define FREE(f)	free(wc->f);
	STRINGS(FREE)
	FREE(file)
	FREE(defaults_file)
#undef FREE
	free(wc);
}

/* two settings' strings, either of them NULL (not given) */
bool
same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The settings in which a and b differ, as a mask by index in
 * watch_settings (where each was written does not count). */
uint32_t
watch_conf_diff(const struct watch_conf *a, const struct watch_conf *b)
{
	uint32_t d = 0;

#define DIFF(key, differ)	if (differ) d |= 1u << setting_index(key);
	DIFF("interface", !same_string(a->ifname, b->ifname))
	DIFF("filter", !same_string(a->filter, b->filter))
	DIFF("nflog-group", a->nflog_group != b->nflog_group)
	DIFF("nflog-prefix", !same_string(a->nflog_prefix, b->nflog_prefix))
	DIFF("queue", a->queue != b->queue)
	DIFF("queue-hold-max", a->queue_hold_max != b->queue_hold_max)
	DIFF("command", !same_string(a->hook, b->hook))
	DIFF("ttl", a->ttl != b->ttl)
	DIFF("ack-only", a->ack_only != b->ack_only)
	DIFF("savefile", !same_string(a->savefile, b->savefile))
	DIFF("hook-timeout", a->hook_timeout != b->hook_timeout)
	DIFF("wait-interface", a->wait_interface != b->wait_interface)
	DIFF("keep-connections", a->keep_connections != b->keep_connections ||
	    a->keep_mark != b->keep_mark || a->keep_mask != b->keep_mask)
	DIFF("strict-start", a->strict_start != b->strict_start)
	DIFF("keepalive-filter", !same_string(a->keepalive_filter,
	    b->keepalive_filter))
	DIFF("keepalive-prefix", !same_string(a->keepalive_prefix,
	    b->keepalive_prefix))
	DIFF("holdoff", a->holdoff != b->holdoff)
	DIFF("min-up", a->min_up != b->min_up)
	DIFF("max-up", a->max_up != b->max_up)
	DIFF("match", !same_string(a->match, b->match))
	DIFF("match-hooks", a->match_hooks != b->match_hooks)
	DIFF("hold-first", a->hold_first != b->hold_first)
	DIFF("session", a->session != b->session)
	DIFF("session-max", a->session_max != b->session_max)
	DIFF("session-hooks", a->session_hooks != b->session_hooks)
	DIFF("dns-name", !same_string(a->dns_names, b->dns_names))
	DIFF("dns-keep", a->dns_keep != b->dns_keep)
	DIFF("dns-keep-max", a->dns_keep_max != b->dns_keep_max)
#undef DIFF
	return d;
}

/* The resources wc needs to itself (struct claim), at most CLAIMS_MAX;
 * how many. An NFLOG group's prefixes and keep-alive prefixes are one
 * table (the sensor routes a record by its prefix), so both claim
 * "prefix P". */
int
watch_conf_claims(const struct watch_conf *wc, struct claim *c)
{
	int n = 0;

	if (wc->queue >= 0) {
		c[n].key = "queue";
		snprintf(c[n++].what, sizeof c->what, "NFQUEUE queue %d",
		    wc->queue);
	}
	if (wc->nflog_group < 0)
		return n;
	c[n].key = wc->nflog_prefix != NULL ? "nflog-prefix" : "nflog-group";
	if (wc->nflog_prefix != NULL)
		snprintf(c[n++].what, sizeof c->what, "NFLOG group %d, prefix "
		    "`%s'", wc->nflog_group, wc->nflog_prefix);
	else
		snprintf(c[n++].what, sizeof c->what, "NFLOG group %d, every "
		    "record (no prefix)", wc->nflog_group);
	if (wc->keepalive_prefix != NULL) {
		c[n].key = "keepalive-prefix";
		snprintf(c[n++].what, sizeof c->what, "NFLOG group %d, prefix "
		    "`%s'", wc->nflog_group, wc->keepalive_prefix);
	}
	return n;
}

/* --keep-connections auto: each such watch gets a bit of KEEP_AUTO_FIELD
 * that no other watch's mark uses, the one had() says it has (a reload
 * keeps a running watch's), or else the lowest free, in the list's
 * order, one that no watch of this run has had (worn) first: conntrack
 * entries keep an old watch's bit for as long as they live. NULL, or
 * the first watch left without one (the field is full: it must be given
 * a mark). */
struct watch_conf *
watch_confs_keep_bits(struct watch_conf *list, uint32_t (*had)(const char *),
    uint32_t worn)
{
	struct watch_conf *wc;
	uint32_t used = 0, b, pick;

	for (wc = list; wc != NULL; wc = wc->next)
		if (wc->keep_connections && !wc->keep_auto)
			used |= wc->keep_mask & KEEP_AUTO_FIELD;
	for (wc = list; had != NULL && wc != NULL; wc = wc->next) {
		if (!wc->keep_auto || wc->name == NULL)
			continue;
		b = had(wc->name);
		if (b != 0 && (b & (b - 1)) == 0 && (b & KEEP_AUTO_FIELD) &&
		    !(used & b)) {
			wc->keep_mark = wc->keep_mask = b;
			used |= b;
		}
	}
	for (wc = list; wc != NULL; wc = wc->next) {
		if (!wc->keep_auto || wc->keep_mask != 0)
			continue;
		pick = 0;
		for (b = KEEP_AUTO_FIELD & -KEEP_AUTO_FIELD;
		    (b & KEEP_AUTO_FIELD) != 0; b <<= 1)
			if (!(used & b) && (pick == 0 || ((pick & worn) &&
			    !(b & worn))))
				pick = b;
		if (pick == 0)
			return wc;
		wc->keep_mark = wc->keep_mask = pick;
		used |= pick;
	}
	return NULL;
}

/* A message about setting `key' of wc, in the form of where wc came from:
 * "file:line: key: ..." (the compiler's form) for a watch of a file, with
 * the line the key was written on, or that of its [watch] section;
 * "-q: ..." on the command line. */
void
conf_refusal(const struct watch_conf *wc, const char *key, char *err,
    size_t len, const char *fmt, ...)
{
	int i = setting_index(key), line = 0;
	const char *file = wc->file;
	char msg[1024], opt[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (wc->name == NULL) {
		snprintf(err, len, "%s: %s", name(key, false, opt, sizeof opt),
		    msg);
		return;
	}
	if (i >= 0 && wc->key_line[i] != 0) {
		line = wc->key_line[i];
		if (wc->from_defaults & 1u << i)
			file = wc->defaults_file;
	}
	if (line != 0)
		snprintf(err, len, "%s:%d: %s: %s", file, line, key, msg);
	else
		snprintf(err, len, "%s:%d: [watch %s]: %s: %s", file != NULL ?
		    file : "?", wc->line, wc->name, key, msg);
}

void
config_free(struct config *cf)
{
	struct watch_conf *wc, *next;

	for (wc = cf->watches; wc != NULL; wc = next) {
		next = wc->next;
		watch_conf_free(wc);
	}
	cf->watches = NULL;
	cf->nwatches = 0;
	free(cf->config_file);
	free(cf->control);
	free(cf->control_group);
	free(cf->state_dir);
	free(cf->user);
	free(cf->replay_file);
	free(cf->ttl_sweep);
	cf->config_file = cf->control = cf->control_group = NULL;
	cf->state_dir = cf->user = cf->replay_file = NULL;
	cf->ttl_sweep = NULL;
	cf->nttl_sweep = 0;
}

/* A whole decimal number in [min, max]: digits only, no sign, no blanks. */
bool
parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if ((unsigned)(*s - '0') > max ||
		    v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool
parse_seconds(const char *s, unsigned min, unsigned *out)
{
	unsigned long long v;

	if (!parse_uint(s, min, SECONDS_MAX, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

bool
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}
