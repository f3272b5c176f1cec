/*
 * nft_compile.c: a --match expression, read by nftables' own library.
 *
 * libnftables compiles the expression into a rule of a scratch table
 * (flags owner: it cannot outlive the daemon), once for table ip and once
 * for ip6; the kernel's copy of each rule that nft accepted, and of the
 * anonymous sets it looks up ({ 22, 443 }), is read back with libnftnl
 * and kept as netlink messages, which nft_rules.c copies into the
 * daemon's own tables. The families nft accepts are the ones the
 * expression can match (`ip daddr ...' is IPv4 only). Nothing here parses
 * nft syntax: the text goes to libnftables whole, as one rule of one
 * command, so it may not hold a command separator or a comment.
 */
#define _GNU_SOURCE		/* asprintf */
#include <dlfcn.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "loop.h"
#include "nft_int.h"

#define SCRATCH		"tuninetd_compile"

struct nft_rules *nft_all;
bool nft_rules_used;

/* libnftables, loaded when the first expression is compiled: it and
 * what it brings (libxtables, libjansson, libgmp) are half a megabyte of
 * the daemon's memory that a daemon without --match never needs */
static struct {
	bool		  tried;
	char		  why[256];
	struct nft_ctx	*(*ctx_new)(uint32_t);
	int		 (*buffer_error)(struct nft_ctx *);
	int		 (*buffer_output)(struct nft_ctx *);
	void		 (*set_dry_run)(struct nft_ctx *, bool);
	int		 (*run)(struct nft_ctx *, const char *);
	const char	*(*error_buffer)(struct nft_ctx *);
	const char	*(*output_buffer)(struct nft_ctx *);
} lib;

static struct nft_ctx *ctx;

static bool
load(void *h, const char *name, void *fp)
{
	void *sym = dlsym(h, name);

	memcpy(fp, &sym, sizeof sym);	/* POSIX: a function's address */
	if (sym == NULL)
		snprintf(lib.why, sizeof lib.why, "libnftables: %s", dlerror());
	return sym != NULL;
}

/* the library's context, or NULL (lib.why says why) */
static struct nft_ctx *
context(void)
{
	void *h;

	if (ctx != NULL || lib.tried)
		return ctx;
	lib.tried = true;
	if ((h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(lib.why, sizeof lib.why, "%s", dlerror());
		return NULL;
	}
	if (!load(h, "nft_ctx_new", &lib.ctx_new) ||
	    !load(h, "nft_ctx_buffer_error", &lib.buffer_error) ||
	    !load(h, "nft_ctx_buffer_output", &lib.buffer_output) ||
	    !load(h, "nft_ctx_set_dry_run", &lib.set_dry_run) ||
	    !load(h, "nft_run_cmd_from_buffer", &lib.run) ||
	    !load(h, "nft_ctx_get_error_buffer", &lib.error_buffer) ||
	    !load(h, "nft_ctx_get_output_buffer", &lib.output_buffer))
		return NULL;
	if ((ctx = lib.ctx_new(NFT_CTX_DEFAULT)) == NULL)
		fatalx("nft_ctx_new failed");
	lib.buffer_error(ctx);
	lib.buffer_output(ctx);
	return ctx;
}

/* nft's complaint, in one line: "syntax error, unexpected ... at `x'",
 * from its report (the error, the command, a line of marks under the
 * part of the command at fault); the part is quoted only where it lies
 * in the expression, which starts at column `from' of the command. */
static void
complaint(const char *report, size_t from, char *out, size_t len)
{
	const char *msg, *end, *cmd, *marks, *m;
	size_t first = 0, last = 0, off, cmdlen;

	msg = strstr(report, "Error: ");
	msg = msg != NULL ? msg + 7 : report;
	end = strchr(msg, '\n');
	snprintf(out, len, "%.*s", (int)(end != NULL ? end - msg :
	    (long)strlen(msg)), msg);
	if (end == NULL || (marks = strchr(end + 1, '\n')) == NULL)
		return;
	cmd = end + 1;
	cmdlen = (size_t)(marks - cmd);
	for (m = ++marks; *m == ' ' || *m == '^' || *m == '~'; m++)
		if (*m != ' ') {
			if (first == 0)
				first = (size_t)(m - marks) + 1;
			last = (size_t)(m - marks) + 1;
		}
	if (first == 0 || first <= from || last > cmdlen)
		return;
	off = strlen(out);
	if (off + 1 < len)
		snprintf(out + off, len - off, " at `%.*s'",
		    (int)(last - first + 1), cmd + first - 1);
}

static void
drop_scratch(struct timer *t)
{
	(void)t;
	if (ctx == NULL)
		return;
	(void)lib.run(ctx, "delete table ip " SCRATCH "\n");
	(void)lib.run(ctx, "delete table ip6 " SCRATCH "\n");
	(void)lib.error_buffer(ctx);
}

static struct timer scratch_timer = { .cb = drop_scratch };

/* The expression as the one rule of the chain of the scratch table of
 * `family' (made once, owned, dropped at the next turn of the loop:
 * every watch of a start-up or a reload compiles in the same one); dry:
 * checked, nothing sent to the kernel, which then costs it a grace
 * period (a transaction aborted). */
static int
scratch(const char *family, const char *match, bool dry, char *err,
    size_t len)
{
	struct nft_ctx *c = context();
	char *cmd, head[200];
	int r;

	if (c == NULL) {
		snprintf(err, len, "%s", lib.why);
		return -1;
	}

	/* one line: nft's report shows the line of the error */
	snprintf(head, sizeof head, "add table %s " SCRATCH " { flags owner; "
	    "}; add chain %s " SCRATCH " c; flush chain %s " SCRATCH " c; "
	    "add rule %s " SCRATCH " c ", family, family, family, family);
	if (asprintf(&cmd, "%s%s\n", head, match) == -1)
		fatal("asprintf");
	lib.set_dry_run(c, dry);
	r = lib.run(c, cmd);
	lib.set_dry_run(c, false);
	free(cmd);
	if (r != 0)
		complaint(lib.error_buffer(c), strlen(head), err, len);
	else
		(void)lib.error_buffer(c);	/* empties it */
	if (!dry)
		timer_set(&scratch_timer, now_ns());
	return r == 0 ? 0 : -1;
}

/* ---- reading the compiled rule back ---- */

struct reading {
	struct nft_compiled *c;
	const char	*verdict;	/* an expression that decides */
};

void
nft_msgs_add(struct nft_msgs *m, const struct nlmsghdr *nlh)
{
	uint8_t *p;

	if ((p = realloc(m->p, m->len + nlh->nlmsg_len)) == NULL)
		fatal("realloc");
	memcpy(p + m->len, nlh, nlh->nlmsg_len);
	m->p = p;
	m->len += nlh->nlmsg_len;
}

static int
rule_read(const struct nlmsghdr *nlh, void *arg)
{
	struct nft_compiled *c = arg;

	if (c->rule.len == 0)
		nft_msgs_add(&c->rule, nlh);
	return MNL_CB_OK;
}

static int
set_read(const struct nlmsghdr *nlh, void *arg)
{
	struct nft_compiled *c = arg;

	if (c->nsets == NFT_SETS_MAX)
		return MNL_CB_ERROR;
	nft_msgs_add(&c->sets[c->nsets++], nlh);
	return MNL_CB_OK;
}

static int
elems_read(const struct nlmsghdr *nlh, void *arg)
{
	nft_msgs_add(arg, nlh);
	return MNL_CB_OK;
}

/* the name of a set, from its message */
static char *
set_name(const struct nft_msgs *m, char *buf, size_t len)
{
	struct nftnl_set *s;

	if ((s = nftnl_set_alloc()) == NULL)
		fatal("nftnl_set_alloc");
	buf[0] = '\0';
	if (nftnl_set_nlmsg_parse((const struct nlmsghdr *)m->p, s) == 0)
		snprintf(buf, len, "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_free(s);
	return buf;
}

/* what a match may not do: decide the packet's fate or change it */
static int
verdict_of(struct nftnl_expr *e, void *arg)
{
	static const char *const deciding[] = { "queue", "reject", "dup",
	    "fwd", "nat", "masq", "redir", "tproxy", "synproxy", "notrack",
	    "dynset", "objref" };
	struct reading *r = arg;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	size_t i;

	if (strcmp(name, "immediate") == 0 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) == NFT_REG_VERDICT)
		r->verdict = "a verdict";
	for (i = 0; i < sizeof deciding / sizeof deciding[0]; i++)
		if (strcmp(name, deciding[i]) == 0)
			r->verdict = deciding[i];
	return 0;
}

static int
read_back(enum nft_family f, struct nft_compiled *c, char *err, size_t len)
{
	struct reading r = { c, NULL };
	struct nftnl_rule *rule;
	char name[64];
	int i;

	if (nft_dump(NFT_MSG_GETRULE, f, SCRATCH, NULL, rule_read, c) == -1 ||
	    c->rule.len == 0 ||
	    nft_dump(NFT_MSG_GETSET, f, SCRATCH, NULL, set_read, c) == -1) {
		snprintf(err, len, "reading the compiled rule back: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < c->nsets; i++)
		if (nft_dump(NFT_MSG_GETSETELEM, f, SCRATCH,
		    set_name(&c->sets[i], name, sizeof name), elems_read,
		    &c->sets[i]) == -1) {
			snprintf(err, len, "reading its sets back: %s",
			    strerror(errno));
			return -1;
		}
	if ((rule = nftnl_rule_alloc()) == NULL)
		fatal("nftnl_rule_alloc");
	if (nftnl_rule_nlmsg_parse((const struct nlmsghdr *)c->rule.p,
	    rule) == 0)
		nftnl_expr_foreach(rule, verdict_of, &r);
	nftnl_rule_free(rule);
	if (r.verdict != NULL) {
		snprintf(err, len, "it holds %s (%s): write only what to match",
		    r.verdict, "the daemon decides what becomes of the packet");
		return -1;
	}
	return 0;
}


static void
compiled_free(struct nft_compiled *c)
{
	int i;

	free(c->rule.p);
	for (i = 0; i < c->nsets; i++)
		free(c->sets[i].p);
	*c = (struct nft_compiled){ 0 };
}

/* a name for the set and chains of watch `watch', unique in the table */
static void
choose_name(struct nft_rules *nr, const char *watch)
{
	static unsigned serial;
	const struct nft_rules *o;
	char base[24];
	size_t i;

	snprintf(base, sizeof base, "%s", watch != NULL ? watch : "match");
	for (i = 0; base[i] != '\0'; i++)
		if (!(base[i] >= 'a' && base[i] <= 'z') &&
		    !(base[i] >= 'A' && base[i] <= 'Z') &&
		    !(base[i] >= '0' && base[i] <= '9' && i > 0))
			base[i] = '_';
	snprintf(nr->name, sizeof nr->name, "%s", base);
	o = nft_all;
	while (o != NULL)
		if (strcmp(o->name, nr->name) == 0) {
			snprintf(nr->name, sizeof nr->name, "%s_%u", base,
			    ++serial);
			o = nft_all;	/* the new name, against every one */
		} else
			o = o->next;
}

/* The expression compiled for each family it can match, into fam; 0,
 * or -1 with err saying why nft refused it (its own words) or why the
 * daemon does, and fam left empty. */
static int
compile(const char *match, struct nft_compiled *fam, char *err, size_t len)
{
	char why[2][512], sub[512];
	enum nft_family f;

	if (strpbrk(match, ";\n\r#") != NULL) {
		snprintf(err, len, "`%s': one expression, without `;', `#' or "
		    "a line break", match);
		return -1;
	}
	for (f = 0; f < NFT_FAMILIES; f++) {
		if (scratch(nft_family_name(f), match, false, why[f],
		    sizeof why[f]) == -1)
			continue;
		fam[f].have = read_back(f, &fam[f], sub, sizeof sub) == 0;
		if (!fam[f].have) {
			snprintf(err, len, "`%s': %s", match, sub);
			break;
		}
	}
	if (f == NFT_FAMILIES && (fam[NFT_IP].have || fam[NFT_IP6].have))
		return 0;
	/* nft's words for the expression as a whole (a dry run: it costs
	 * the kernel a grace period, so only on this path), or why neither
	 * family takes it */
	if (f == NFT_FAMILIES && scratch("inet", match, true, sub,
	    sizeof sub) == -1)
		snprintf(err, len, "`%s': nft: %s", match, sub);
	else if (f == NFT_FAMILIES)
		snprintf(err, len, "`%s' matches neither IPv4 nor IPv6 packets "
		    "alone (table ip: %s)", match, why[NFT_IP]);
	for (f = 0; f < NFT_FAMILIES; f++)
		compiled_free(&fam[f]);
	return -1;
}

/* The expression as start-up reads it (--check-config, a reload's
 * check): compiled by nft and read back from the kernel, then dropped. */
bool
nft_match_check(const char *match, char *err, size_t len)
{
	struct nft_compiled fam[NFT_FAMILIES] = { { 0 } };
	enum nft_family f;

	if (compile(match, fam, err, len) == -1)
		return false;
	for (f = 0; f < NFT_FAMILIES; f++)
		compiled_free(&fam[f]);
	return true;
}

/* The expression of wc, compiled for each family that it can match;
 * NULL with err set if nft (or the daemon) refuses it. */
struct nft_rules *
nft_rules_compile(const struct watch_conf *wc, char *err, size_t len)
{
	struct nft_rules *nr;
	char why[1024];

	nft_rules_used = true;
	if ((nr = calloc(1, sizeof *nr)) == NULL)
		fatal("calloc");
	if (compile(wc->match, nr->fam, why, sizeof why) == -1) {
		conf_refusal(wc, "match", err, len, "%s", why);
		free(nr);
		return NULL;
	}
	nr->hooks = wc->match_hooks;
	nr->ttl = wc->ttl;
	nr->session = wc->session;
	nr->session_max = wc->session_max;
	nr->daemon_adds = wc->session != SESSION_NONE || wc->dns_names != NULL;
	nr->dns_keep_max = wc->dns_keep ? wc->dns_keep_max : 0;
	if (wc->keep_connections) {
		nr->keep_mark = wc->keep_mark;
		nr->keep_mask = wc->keep_mask;
	}
	choose_name(nr, wc->name);
	nr->next = nft_all;
	nft_all = nr;
	return nr;
}

bool
nft_rules_has(const struct nft_rules *nr, enum nft_family f)
{
	return nr->fam[f].have;
}

void
nft_rules_free(struct nft_rules *nr)
{
	struct nft_rules **pp;
	enum nft_family f;

	if (nr == NULL)
		return;
	nft_rules_remove(nr);
	for (pp = &nft_all; *pp != NULL; pp = &(*pp)->next)
		if (*pp == nr) {
			*pp = nr->next;
			break;
		}
	for (f = 0; f < NFT_FAMILIES; f++)
		compiled_free(&nr->fam[f]);
	free(nr);
}

/* tuninetctl rules: the daemon's tables as nft prints them */
char *
nft_rules_list(void)
{
	/* not loaded for a daemon that has no --match watch */
	struct nft_ctx *c = nft_all != NULL ? context() : NULL;
	char *out = NULL, cmd[64];
	enum nft_family f;
	size_t n = 0;
	FILE *fp;

	if ((fp = open_memstream(&out, &n)) == NULL)
		fatal("open_memstream");
	for (f = 0; f < NFT_FAMILIES && c != NULL; f++) {
		snprintf(cmd, sizeof cmd, "list table %s " NFT_TABLE "\n",
		    nft_family_name(f));
		if (lib.run(c, cmd) == 0)
			fputs(lib.output_buffer(c), fp);
		else
			(void)lib.error_buffer(c);
	}
	fclose(fp);
	return out;
}
