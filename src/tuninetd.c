/*
 * tuninetd: turn network activity into events. The first matching packet
 * runs `<path> start'; TTL seconds without one run `<path> stop'.
 *
 * main: the command line, every check that can refuse a start (before
 * anything is daemonized, so a refusal is seen and nothing is left
 * running), then the loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "hook.h"
#include "ifwatch.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "options.h"
#include "packet.h"
#include "savefile.h"
#include "sensor.h"

#ifndef VERSION
#define VERSION "2.0.0"
#endif

/* Whatever may exec it later, -c must name an executable regular file. */
static bool
check_hook(const char *path, char *err, size_t len)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		snprintf(err, len, "-c: `%s': %s", path, strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, len, "-c: `%s' is a directory", path);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "-c: `%s' is not a regular file", path);
		return false;
	}
	if (access(path, X_OK) == -1) {
		snprintf(err, len, "-c: `%s' is not executable", path);
		return false;
	}
	return true;
}

/* Daemonized, the working directory is /: keep a relative path meaning
 * what it meant, without resolving symlinks the user may later move. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path == NULL)
		return NULL;
	if (path[0] == '/')
		abs = strdup(path);
	else if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd");
	else if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		abs = NULL;
	if (abs == NULL)
		fatal("absolute path");
	return abs;
}

/* Daemons get fds 0-2 from whoever started them; make sure they exist, so
 * no socket of ours becomes a hook's stdout by accident. */
static void
ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Everything a watch needs, opened and checked; on error, err says what
 * and nothing is left open. */
static int
open_watch(struct daemon *d, struct watch_conf *wc, char *err, size_t errlen)
{
	struct sensor *sensors[SENSORS_MAX];
	struct savefile *savefile = NULL;
	char *path;
	int n, i, lt;

	if ((path = absolute(wc->hook)) == NULL)
		fatal("absolute path");
	free(wc->hook);
	wc->hook = path;
	if (wc->savefile != NULL) {
		path = absolute(wc->savefile);
		free(wc->savefile);
		wc->savefile = path;
	}
	if (!check_hook(wc->hook, err, errlen))
		return -1;
	if ((n = sensors_open(wc, sensors, err, errlen)) == -1)
		return -1;
	if (wc->savefile != NULL) {
		/* one link type per file: the first sensor's (whole frames
		 * before NFLOG records); 0: known at the first packet */
		lt = sensors[0]->ops->linktype(sensors[0]);
		if ((savefile = savefile_open(wc->savefile, err,
		    errlen)) == NULL ||
		    (lt > 0 && savefile_bind(savefile, lt, err, errlen) == -1))
			goto fail;
	}
	daemon_add(d, wc, sensors, n, savefile);
	return 0;
fail:
	savefile_close(savefile);
	for (i = 0; i < n; i++)
		sensors[i]->ops->close(sensors[i]);
	return -1;
}

int
main(int argc, char *argv[])
{
	struct watch_conf *wc, *next;
	struct daemon *d;
	struct config cf;
	char err[1024], usage[8192];
	int status;

	ensure_std_fds();
	if (!options_parse(&cf, argc, argv, err, sizeof err)) {
		fprintf(stderr, "tuninetd: %s\nTry `tuninetd -h' for more "
		    "information.\n", err);
		return 2;
	}
	if (cf.mode == RUN_HELP) {
		options_usage(usage, sizeof usage, "tuninetd");
		fputs(usage, stdout);
		return 0;
	}
	if (cf.mode == RUN_VERSION) {
		printf("tuninetd %s\n", VERSION);
		return 0;
	}
	log_init("tuninetd", false);
	d = daemon_new();
	for (wc = cf.watches; wc != NULL; wc = next) {
		next = wc->next;
		wc->next = NULL;
		cf.watches = next;	/* the daemon owns it from here */
		if (open_watch(d, wc, err, sizeof err) == -1) {
			watch_conf_free(wc);
			goto refuse;
		}
	}

	if (cf.daemonize) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("tuninetd", true);
	}
	notify_init();
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() == -1)
		fatal("event loop");
	log_info("Success! Tuninetd has been started with PID: %d",
	    (int)getpid());
	status = daemon_run(d);
	notify_close();
	daemon_free(d);
	ifwatch_close();
	log_info("CORE: exited");
	return status;

refuse:
	config_free(&cf);
	daemon_free(d);
	ifwatch_close();
	log_warnx("%s", err);
	return 1;
}
