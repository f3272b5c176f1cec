/*
 * log.c: one line per message. In the foreground each line goes to stderr
 * as "ident: message" in a single write(2), so lines from a hook's output
 * and from the daemon never interleave mid-line; daemonized, to syslog.
 * When stderr is systemd's journal (JOURNAL_STREAM names stderr's device
 * and inode) a line is "<priority>message" instead: the journal reads the
 * priority from it and adds the identifier itself.
 * log_warn appends strerror(errno), log_warnx does not; both preserve errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "tuninetd";
static bool log_syslog, log_journal;

static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, bool to_syslog)
{
	log_ident = ident;
	log_syslog = to_syslog;
	log_journal = !to_syslog && stderr_is_journal();
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *why)
{
	char line[1024];
	int saved = errno, n;

	n = vsnprintf(line, sizeof line, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	if (why != NULL)
		n += snprintf(line + n, sizeof line - n, ": %s", why);
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;

	if (log_syslog) {
		syslog(pri, "%s", line);
	} else {
		char out[1100];
		int m = log_journal ?
		    snprintf(out, sizeof out, "<%d>%s\n", pri, line) :
		    snprintf(out, sizeof out, "%s: %s\n", log_ident, line);

		if (m > (int)sizeof out)
			m = sizeof out;
		(void)!write(STDERR_FILENO, out, m);
	}
	errno = saved;
}

#define LOGF(name, pri, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	const char *why = with_errno ? strerror(errno) : NULL;	\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	vlog(pri, fmt, ap, why);				\
	va_end(ap);						\
}

LOGF(log_info, LOG_INFO, 0)
LOGF(log_notice, LOG_NOTICE, 0)
LOGF(log_warn, LOG_ERR, 1)
LOGF(log_warnx, LOG_ERR, 0)

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, why);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
