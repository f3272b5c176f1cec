/*
 * config.c: -C FILE. A [daemon] section for the process (control socket,
 * state directory, `include = <glob>' of watch files, and defaults for
 * every watch's settings) and one [watch NAME] section per watch, whose
 * keys are the long options (conf.c's table). libinih reads the lines;
 * this file says what they mean.
 *
 * Every error is reported, each as "file:line: key: what is wrong" (the
 * compiler's form, so editors jump to it), and one error refuses the whole
 * file: nothing is started, and on a reload the running configuration
 * stays. inih's handler is not told line numbers or empty sections, so
 * the reader it is given counts lines and reads the section headers
 * itself; inih still parses every line and reports what it cannot parse.
 *
 * Values are taken to the end of the line (no inline comments: a filter
 * may hold a `;'); one pair of surrounding double quotes is removed. A
 * relative command or savefile path is relative to the file's directory.
 *
 * Each file is read whole before it is parsed, and may be kept (struct
 * config_files): --user's monitor reads the files as root and hands
 * their bytes to the worker, which parses the same bytes without
 * opening a file (config_parse: it may not be able to reach them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"

#define MAX_ERRORS	50

/* where each setting of a watch was given: for the checks made once the
 * whole file is read (a filter, a command), and to apply defaults */
struct origin {
	const char	*file;
	int		 line;
};

struct watch_origin {
	struct origin	 section;
	struct origin	 at[SETTINGS_MAX];
	uint32_t	 bad;		/* settings whose value was refused */
};

/* one error, kept until every file is read: they are told in the order
 * of the files and lines, whichever check found them */
struct error {
	int		 file;		/* in the order files were read */
	int		 line;
	int		 seq;
	char		*text;
};

struct parser {
	struct config		*cf;
	struct config_errors	*errs;
	struct config_files	*kept;		/* the files read, or NULL */
	const struct config_files *given;	/* read from these, or NULL */
	const char		*file;		/* being read */
	FILE			*fp;
	int			 line;		/* of the text last read */
	bool			 mid_line;	/* the last read ended mid-line */
	bool			 included;
	enum { SEC_NONE, SEC_DAEMON, SEC_WATCH, SEC_SKIP } sec;
	struct watch_conf	*cur, **tail;
	struct watch_origin	*origins;	/* one per watch, in order */
	size_t			 norigins, cap;
	char			*defaults[SETTINGS_MAX];	/* [daemon] values */
	struct origin		 default_at[SETTINGS_MAX];
	struct origin		 daemon_at[5];	/* control... include */
	char			**includes;
	size_t			 nincludes;
	char			**files;	/* names kept for messages */
	size_t			 nfiles;
	struct error		*errors;
	size_t			 nerrors;
	/* the resources claimed so far (struct claim), and by which watch */
	struct claimed {
		char		 what[sizeof ((struct claim *)0)->what];
		const char	*watch;
		struct origin	 at;
	}			*claimed;
	size_t			 nclaimed;
};

static int
file_index(const struct parser *p, const char *file)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i] == file || strcmp(p->files[i], file) == 0)
			return (int)i;
	return (int)p->nfiles;		/* one that could not be opened */
}

static void __attribute__((format(printf, 4, 5)))
error(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	struct error *e;
	char msg[1024];
	va_list ap;
	int n;

	if ((e = reallocarray(p->errors, p->nerrors + 1, sizeof *e)) == NULL)
		abort();
	p->errors = e;
	e = &p->errors[p->nerrors];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = line > 0 ? asprintf(&e->text, "%s:%d: %s\n", file, line, msg) :
	    asprintf(&e->text, "%s: %s\n", file, msg);
	if (n == -1)
		abort();
	e->file = file_index(p, file);
	e->line = line;
	e->seq = (int)p->nerrors++;
}

static int
error_order(const void *a, const void *b)
{
	const struct error *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every error, in order, into errs; past MAX_ERRORS the last one says
 * that the rest are not shown. */
static void
tell_errors(struct parser *p)
{
	struct config_errors *e = p->errs;
	const char *line;
	size_t i, n;
	char *t;

	if (p->nerrors > 1)
		qsort(p->errors, p->nerrors, sizeof *p->errors, error_order);
	e->n = (int)p->nerrors;
	for (i = 0; i < p->nerrors; i++) {
		line = i + 1 == MAX_ERRORS && p->nerrors > MAX_ERRORS ?
		    "too many errors; the rest are not shown\n" :
		    p->errors[i].text;
		n = strlen(line);
		if (i < MAX_ERRORS) {
			if ((t = realloc(e->text, e->len + n + 1)) == NULL)
				abort();
			memcpy(t + e->len, line, n + 1);
			e->text = t;
			e->len += n;
		}
		free(p->errors[i].text);
	}
	free(p->errors);
}

static char *
xstrdup(const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

static const char *
keep_name(struct parser *p, const char *file)
{
	char **v;

	if ((v = reallocarray(p->files, p->nfiles + 1, sizeof *v)) == NULL)
		abort();
	p->files = v;
	return v[p->nfiles++] = xstrdup(file);
}

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WATCH_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

static struct watch_origin *
find_watch(struct parser *p, const char *name, struct watch_conf **wcp)
{
	struct watch_conf *wc;
	size_t i = 0;

	for (wc = p->cf->watches; wc != NULL; wc = wc->next, i++)
		if (strcmp(wc->name, name) == 0) {
			*wcp = wc;
			return &p->origins[i];
		}
	return NULL;
}

static void
new_watch(struct parser *p, const char *name)
{
	struct watch_origin *o;
	struct watch_conf *wc;

	if (!valid_name(name)) {
		error(p, p->file, p->line, "[watch %s]: a watch name is 1-%d "
		    "letters, digits, `_', `.' or `-'", name, WATCH_NAME_MAX);
		p->sec = SEC_SKIP;
		return;
	}
	if ((o = find_watch(p, name, &wc)) != NULL) {
		error(p, p->file, p->line, "[watch %s]: a watch of that name "
		    "is defined already, at %s:%d", name, o->section.file,
		    o->section.line);
		p->sec = SEC_SKIP;
		return;
	}
	if (p->norigins == p->cap) {
		p->cap = p->cap != 0 ? p->cap * 2 : 16;
		if ((o = reallocarray(p->origins, p->cap, sizeof *o)) == NULL)
			abort();
		p->origins = o;
	}
	o = &p->origins[p->norigins++];
	memset(o, 0, sizeof *o);
	o->section = (struct origin){ p->file, p->line };
	if ((wc = watch_conf_new()) == NULL)
		abort();
	wc->name = xstrdup(name);
	wc->file = xstrdup(p->file);
	wc->line = p->line;
	*p->tail = wc;
	p->tail = &wc->next;
	p->cf->nwatches++;
	p->cur = wc;
	p->sec = SEC_WATCH;
}

/* A section header, seen by the reader before inih reads the line. */
static void
header(struct parser *p, const char *s)
{
	const char *end;
	char name[256];
	size_t n;

	s += strspn(s, " \t");
	if (*s != '[' || (end = strchr(s, ']')) == NULL)
		return;		/* not a header; a broken one inih reports */
	s++;
	s += strspn(s, " \t");
	n = (size_t)(end - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, s, n);
	name[n] = '\0';
	p->cur = NULL;
	if (strcmp(name, "daemon") == 0) {
		if (p->included) {
			error(p, p->file, p->line, "[daemon]: only in the main "
			    "configuration file, not in an included one");
			p->sec = SEC_SKIP;
		} else
			p->sec = SEC_DAEMON;
	} else if (strncmp(name, "watch", 5) == 0 &&
	    (name[5] == ' ' || name[5] == '\t'))
		new_watch(p, name + 5 + strspn(name + 5, " \t"));
	else {
		error(p, p->file, p->line, "[%s]: unknown section (expected "
		    "[daemon] or [watch NAME])", name);
		p->sec = SEC_SKIP;
	}
}

/* inih's reader: fgets that counts lines and sees section headers. */
static char *
reader(char *buf, int size, void *arg)
{
	struct parser *p = arg;
	size_t n;

	if (fgets(buf, size, p->fp) == NULL)
		return NULL;
	/* a UTF-8 byte-order mark, as some editors write: inih skips it */
	if (p->line == 0 && !p->mid_line &&
	    strncmp(buf, "\xef\xbb\xbf", 3) == 0)
		memmove(buf, buf + 3, strlen(buf + 3) + 1);
	if (!p->mid_line) {
		p->line++;
		header(p, buf);
	}
	n = strlen(buf);
	p->mid_line = n > 0 && buf[n - 1] != '\n';
	return buf;
}

/* value without one pair of surrounding double quotes */
static const char *
unquote(const char *v, char *buf, size_t len)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"' && n - 2 < len) {
		memcpy(buf, v + 1, n - 2);
		buf[n - 2] = '\0';
		return buf;
	}
	return v;
}

static bool
set_daemon_key(struct parser *p, const char *key, const char *value)
{
	static const char *const keys[] = { "control", "control-group",
	    "state-dir", "user", "include" };
	char **fields[] = { &p->cf->control, &p->cf->control_group,
	    &p->cf->state_dir, &p->cf->user };
	char **v;
	size_t i;

	for (i = 0; i < 5; i++)
		if (strcmp(key, keys[i]) == 0)
			break;
	if (i == 5)
		return false;
	if (i < 4 && p->daemon_at[i].line != 0) {
		error(p, p->file, p->line, "%s: given twice in [daemon] (first "
		    "at line %d)", key, p->daemon_at[i].line);
		return true;
	}
	p->daemon_at[i] = (struct origin){ p->file, p->line };
	if (*value == '\0') {
		error(p, p->file, p->line, "%s: empty value", key);
		return true;
	}
	if (i < 4) {
		free(*fields[i]);
		*fields[i] = xstrdup(value);
		return true;
	}
	v = reallocarray(p->includes, p->nincludes + 1, sizeof *v);
	if (v == NULL)
		abort();
	p->includes = v;
	v[p->nincludes++] = xstrdup(value);
	return true;
}

static int
on_key(void *arg, const char *section, const char *key, const char *raw)
{
	struct parser *p = arg;
	const struct setting *s;
	struct watch_conf *scratch;
	struct origin *at;
	static char buf[65536];		/* inih's longest line, as set */
	char why[512];
	const char *value = unquote(raw, buf, sizeof buf);
	size_t i;

	(void)section;		/* the reader knows it, and its line */
	if (p->sec == SEC_SKIP)
		return 1;
	if (p->sec == SEC_NONE) {
		error(p, p->file, p->line, "%s: outside any section (expected "
		    "[daemon] or [watch NAME] first)", key);
		return 1;
	}
	if (p->sec == SEC_DAEMON && set_daemon_key(p, key, value))
		return 1;
	if ((s = setting_find(key)) == NULL) {
		error(p, p->file, p->line, "%s: unknown key", key);
		return 1;
	}
	i = (size_t)(s - watch_settings);
	at = p->sec == SEC_WATCH ? &p->origins[p->norigins - 1].at[i] :
	    &p->default_at[i];
	if (at->line != 0) {
		error(p, p->file, p->line, "%s: given twice in this section "
		    "(first at line %d)", key, at->line);
		return 1;
	}
	*at = (struct origin){ p->file, p->line };
	if (p->sec == SEC_WATCH) {
		p->cur->key_line[i] = p->line;
		if (!s->set(p->cur, value, why, sizeof why)) {
			error(p, p->file, p->line, "%s: %s", key, why);
			p->origins[p->norigins - 1].bad |= 1u << i;
		}
		return 1;
	}
	/* a default for every watch: checked now, applied at the end */
	if ((scratch = watch_conf_new()) == NULL)
		abort();
	if (!s->set(scratch, value, why, sizeof why))
		error(p, p->file, p->line, "%s: %s", key, why);
	else
		p->defaults[i] = xstrdup(value);
	watch_conf_free(scratch);
	return 1;
}

/* path's bytes, whole, into f; false with errno */
static bool
slurp(const char *path, struct config_file *f)
{
	size_t cap = 4096;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	f->len = 0;
	f->text = NULL;
	do {
		if (f->text == NULL || f->len == cap)
			if ((f->text = realloc(f->text, cap *= 2)) == NULL)
				abort();
		n = read(fd, f->text + f->len, cap - f->len);
		if (n > 0)
			f->len += (size_t)n;
	} while (n > 0 || (n == -1 && errno == EINTR));
	close(fd);
	if (n == -1) {
		free(f->text);
		return false;
	}
	f->path = xstrdup(path);
	return true;
}

/* the text of the file at path: given, or read (and kept) */
static const struct config_file *
file_text(struct parser *p, const char *path, struct config_file *scratch)
{
	struct config_files *k = p->kept;
	size_t i;

	if (p->given != NULL) {
		for (i = 0; i < p->given->n; i++)
			if (strcmp(p->given->f[i].path, path) == 0)
				return &p->given->f[i];
		errno = ENOENT;
		return NULL;
	}
	if (!slurp(path, scratch))
		return NULL;
	if (k == NULL)
		return scratch;
	if ((k->f = reallocarray(k->f, k->n + 1, sizeof *k->f)) == NULL)
		abort();
	k->f[k->n] = *scratch;
	return &k->f[k->n++];
}

static void
read_file(struct parser *p, const char *path, bool included)
{
	struct config_file scratch = { 0 };
	const struct config_file *f;
	int r;

	if ((f = file_text(p, path, &scratch)) == NULL) {
		error(p, path, 0, "%s", strerror(errno));
		return;
	}
	/* fmemopen of nothing fails: /dev/null's nothing instead */
	p->fp = f->len > 0 ? fmemopen(f->text, f->len, "r") :
	    fopen("/dev/null", "re");
	if (p->fp == NULL) {
		error(p, path, 0, "%s", strerror(errno));
		goto out;
	}
	p->file = keep_name(p, path);
	p->line = 0;
	p->mid_line = false;
	p->included = included;
	p->sec = SEC_NONE;
	p->cur = NULL;
	r = ini_parse_stream(reader, p, on_key, p);
	if (r > 0)
		error(p, p->file, r, "not `key = value', `[daemon]' or "
		    "`[watch NAME]'");
	fclose(p->fp);
	p->fp = NULL;
out:
	if (f == &scratch) {
		free(scratch.text);
		free(scratch.path);
	}
}

static void
read_includes(struct parser *p, const char *dir)
{
	char pattern[4096];
	glob_t g;
	size_t i, k;
	int r;

	if (p->given != NULL) {	/* what the reader of the files found */
		for (k = 1; k < p->given->n; k++)
			read_file(p, p->given->f[k].path, true);
		return;
	}
	for (i = 0; i < p->nincludes; i++) {
		if (p->includes[i][0] == '/')
			snprintf(pattern, sizeof pattern, "%s", p->includes[i]);
		else
			snprintf(pattern, sizeof pattern, "%s/%s", dir,
			    p->includes[i]);
		r = glob(pattern, 0, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;	/* an empty directory of watches */
		if (r != 0) {
			error(p, p->daemon_at[4].file, p->daemon_at[4].line,
			    "include: `%s': cannot be read", pattern);
			continue;
		}
		for (k = 0; k < g.gl_pathc; k++)
			read_file(p, g.gl_pathv[k], true);
		globfree(&g);
	}
}

/* a relative path in the file means relative to the file's directory */
static void
anchor(char **path, const char *file)
{
	char *copy, *joined;

	if (*path == NULL || (*path)[0] == '/')
		return;
	copy = xstrdup(file);
	if (asprintf(&joined, "%s/%s", dirname(copy), *path) == -1)
		abort();
	free(copy);
	free(*path);
	*path = joined;
}

/* Whether a resource wc claims (an NFQUEUE queue, an NFLOG prefix) is
 * another watch's already: said at the line of the key that claims it. */
static void
check_claims(struct parser *p, const struct watch_conf *wc,
    const struct watch_origin *o)
{
	struct claim c[CLAIMS_MAX];
	struct claimed *v;
	const struct origin *at;
	int n, i;
	size_t k;

	n = watch_conf_claims(wc, c);
	for (i = 0; i < n; i++) {
		at = &o->at[setting_index(c[i].key)];
		if (at->line == 0)
			at = &o->section;
		for (k = 0; k < p->nclaimed; k++)
			if (strcmp(p->claimed[k].what, c[i].what) == 0)
				break;
		if (k < p->nclaimed) {
			error(p, at->file, at->line, "%s: %s is read by watch "
			    "%s already (%s:%d)", c[i].key, c[i].what,
			    p->claimed[k].watch, p->claimed[k].at.file,
			    p->claimed[k].at.line);
			continue;
		}
		if ((v = reallocarray(p->claimed, p->nclaimed + 1,
		    sizeof *v)) == NULL)
			abort();
		p->claimed = v;
		v = &p->claimed[p->nclaimed++];
		snprintf(v->what, sizeof v->what, "%s", c[i].what);
		v->watch = wc->name;
		v->at = *at;
	}
}

/* What only the system can tell of a watch (struct config_checks), each
 * at the line of its key; hook is the last command checked, and why its
 * verdict, kept because many watches often share one command. */
static void
check_system(struct parser *p, const struct watch_conf *wc,
    const struct watch_origin *o, const struct config_checks *checks,
    char **hook, char *hook_why, size_t hook_len)
{
	const struct origin *at;
	char why[1024];
	int i;

	for (i = 0; checks->filter != NULL && i < 2; i++) {
		const char *key = i == 0 ? "filter" : "keepalive-filter";
		const char *f = i == 0 ? wc->filter : wc->keepalive_filter;

		at = &o->at[setting_index(key)];
		if (f != NULL && !checks->filter(f, why, sizeof why))
			error(p, at->file, at->line, "%s: %s", key, why);
	}
	at = &o->at[setting_index("match")];
	if (checks->match != NULL && wc->match != NULL &&
	    !checks->match(wc->match, why, sizeof why))
		error(p, at->file, at->line, "match: %s", why);
	at = &o->at[setting_index("interface")];
	if (checks->interface != NULL && wc->ifname != NULL &&
	    !checks->interface(wc->ifname, wc->wait_interface, why, sizeof why))
		error(p, at->file, at->line, "interface: %s", why);
	at = &o->at[setting_index("command")];
	if (checks->hook != NULL && wc->hook != NULL) {
		if (*hook == NULL || strcmp(*hook, wc->hook) != 0) {
			free(*hook);
			*hook = xstrdup(wc->hook);
			if (checks->hook(wc->hook, why, sizeof why))
				hook_why[0] = '\0';
			else
				snprintf(hook_why, hook_len, "%s", why);
		}
		if (hook_why[0] != '\0')	/* it names the key itself */
			error(p, at->file, at->line, "%s", hook_why);
	}
}

/* The [daemon] section's settings the system has a say on, at their
 * lines: what start-up would refuse before it opens anything. */
static void
check_daemon(struct parser *p, const char *main_file,
    const struct config_checks *checks)
{
	const struct origin *at;
	struct sockaddr_un sa;
	char why[1024];

	at = &p->daemon_at[0];
	if (p->cf->control != NULL && strlen(p->cf->control) >=
	    sizeof sa.sun_path)
		error(p, at->file, at->line, "control: `%s' is longer than a "
		    "Unix socket's path may be (%zu bytes)", p->cf->control,
		    sizeof sa.sun_path - 1);
	if (checks == NULL)
		return;
	at = &p->daemon_at[1];
	if (checks->group != NULL && p->cf->control_group != NULL &&
	    !checks->group(p->cf->control_group, why, sizeof why))
		error(p, at->file, at->line, "%s", why);
	at = &p->daemon_at[3];
	if (checks->user != NULL && p->cf->user != NULL &&
	    !checks->user(p->cf->user, why, sizeof why))
		error(p, at->line != 0 ? at->file : main_file, at->line,
		    "%s", why);	/* or --user's: said of the main file */
	at = &p->daemon_at[2];
	if (checks->state_dir != NULL && p->cf->state_dir != NULL &&
	    !checks->state_dir(p->cf->state_dir, why, sizeof why))
		error(p, at->line != 0 ? at->file : main_file, at->line,
		    "%s", why);	/* the default's: said of the main file */
}

/* Once every file is read: defaults, then what needs the whole watch. */
static void
finish(struct parser *p, const char *main_file,
    const struct config_checks *checks)
{
	const struct setting *s;
	struct watch_origin *o;
	struct watch_conf *wc, *bad;
	const struct origin *at;
	const char *key;
	char why[1024], hook_why[1024], *last_hook = NULL;
	size_t i, k;

	for (wc = p->cf->watches, k = 0; wc != NULL; wc = wc->next, k++) {
		o = &p->origins[k];
		/* in the table's order: a sensor before its own settings */
		for (s = watch_settings, i = 0; s->key != NULL; s++, i++)
			if (o->at[i].line == 0 && p->defaults[i] != NULL &&
			    setting_fits(s, wc)) {
				s->set(wc, p->defaults[i], why, sizeof why);
				o->at[i] = p->default_at[i];
				wc->key_line[i] = o->at[i].line;
				wc->from_defaults |= 1u << i;
				if (wc->defaults_file == NULL)
					wc->defaults_file = xstrdup(main_file);
			}
		/* relative to the file each was written in */
		at = &o->at[setting_index("command")];
		anchor(&wc->hook, at->line != 0 ? at->file : o->section.file);
		at = &o->at[setting_index("savefile")];
		anchor(&wc->savefile, at->line != 0 ? at->file :
		    o->section.file);
		/* what the system says of each setting is said all the same:
		 * it is of that setting alone */
		if (!watch_conf_check(wc, WC_FILE, o->bad, &key, why,
		    sizeof why)) {
			at = key != NULL ? &o->at[setting_index(key)] : NULL;
			if (at != NULL && at->line != 0)
				error(p, at->file, at->line, "%s", why);
			else
				error(p, o->section.file, o->section.line,
				    "[watch %s]: %s", wc->name, why);
		} else if (o->bad == 0)
			check_claims(p, wc, o);
		if (checks != NULL)
			check_system(p, wc, o, checks, &last_hook, hook_why,
			    sizeof hook_why);
	}
	free(last_hook);
	free(p->claimed);
	/* once each watch has been read whole: a mark given anywhere is
	 * not picked for auto */
	if ((bad = watch_confs_keep_bits(p->cf->watches, checks != NULL ?
	    checks->keep_bit : NULL, checks != NULL ? checks->keep_worn :
	    0)) != NULL) {
		for (wc = p->cf->watches, k = 0; wc != bad; wc = wc->next, k++)
			;
		at = &p->origins[k].at[setting_index("keep-connections")];
		if (at->line == 0)
			at = &p->origins[k].section;
		error(p, at->file, at->line, "keep-connections: no conntrack "
		    "mark bit of 0x%08x is left for auto (each watch with it "
		    "has one); give this watch MARK/MASK", KEEP_AUTO_FIELD);
	}
}

static bool
load(struct parser *p, const char *path, const struct config_checks *checks);

bool
config_load(const char *path, struct config *cf,
    const struct config_checks *checks, struct config_errors *errs)
{
	struct parser p = { .cf = cf, .errs = errs };

	return load(&p, path, checks);
}

/* config_load that keeps every file's bytes in kept (main file first,
 * then the included ones in the order read) */
bool
config_read(const char *path, struct config *cf,
    const struct config_checks *checks, struct config_errors *errs,
    struct config_files *kept)
{
	struct parser p = { .cf = cf, .errs = errs, .kept = kept };

	return load(&p, path, checks);
}

/* the configuration in files, as config_read kept them: no file opened */
bool
config_parse(const struct config_files *files, struct config *cf,
    const struct config_checks *checks, struct config_errors *errs)
{
	struct parser p = { .cf = cf, .errs = errs, .given = files };

	if (files->n == 0) {
		memset(errs, 0, sizeof *errs);
		return false;
	}
	return load(&p, files->f[0].path, checks);
}

void
config_files_free(struct config_files *files)
{
	size_t i;

	for (i = 0; i < files->n; i++) {
		free(files->f[i].path);
		free(files->f[i].text);
	}
	free(files->f);
	files->f = NULL;
	files->n = 0;
}

static bool
load(struct parser *pp, const char *path, const struct config_checks *checks)
{
	struct parser p = *pp;
	struct config *cf = p.cf;
	struct config_errors *errs = p.errs;
	char *copy;
	size_t i;

	memset(errs, 0, sizeof *errs);
	cf->watches = NULL;
	cf->nwatches = 0;
	p.tail = &cf->watches;
	/* values to the end of the line, any length, one line each */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 65536;
	read_file(&p, path, false);
	copy = xstrdup(path);
	read_includes(&p, dirname(copy));
	free(copy);
	finish(&p, path, checks);
	if (cf->control == NULL)
		cf->control = xstrdup(CONTROL_DEFAULT);
	else if (strcmp(cf->control, "off") == 0) {
		free(cf->control);
		cf->control = NULL;
	}
	if (cf->state_dir == NULL)
		cf->state_dir = xstrdup(STATE_DIR_DEFAULT);
	/* relative to the file, as commands are: the daemon's directory is
	 * / once -d has detached it */
	anchor(&cf->control, path);
	anchor(&cf->state_dir, path);
	check_daemon(&p, path, checks);
	tell_errors(&p);

	for (i = 0; i < SETTINGS_MAX; i++)
		free(p.defaults[i]);
	for (i = 0; i < p.nincludes; i++)
		free(p.includes[i]);
	free(p.includes);
	for (i = 0; i < p.nfiles; i++)
		free(p.files[i]);
	free(p.files);
	free(p.origins);
	return errs->n == 0;
}

void
config_errors_free(struct config_errors *e)
{
	free(e->text);
	memset(e, 0, sizeof *e);
}
