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

#include "core.h"
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

static struct core *watch_core;

static void
on_signal(int signo)
{
	if (signo == SIGCHLD)
		hook_reap();
	else
		core_signal(watch_core, signo);
}

/* Whatever may exec it later, -c must name an executable regular file. */
static bool
check_hook(const char *path, char *err, size_t len)
{
	return hook_check("-c", path, err, len);
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

int
main(int argc, char *argv[])
{
	struct sensor *sensors[2];
	struct savefile *savefile = NULL;
	struct config cf;
	char err[1024], usage[2048], *hook = NULL, *save = NULL;
	int n = 0, status, i;

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
	cf.hook = hook = absolute(cf.hook);
	cf.savefile = save = absolute(cf.savefile);
	if (!check_hook(cf.hook, err, sizeof err))
		goto refuse;

	if (cf.ifname != NULL) {
		sensors[n] = pcap_sensor_open(cf.ifname, cf.filter, cf.ack_only,
		    cf.wait_interface, err, sizeof err);
		if (sensors[n] == NULL)
			goto refuse;
		n++;
	}
	if (cf.nflog_group >= 0) {
		sensors[n] = nflog_sensor_open(cf.nflog_group, cf.ack_only, err,
		    sizeof err);
		if (sensors[n] == NULL)
			goto refuse;
		n++;
	}

	if (cf.savefile != NULL) {
		/* one link type per file: the pcap sensor's, else NFLOG's */
		int lt = cf.ifname != NULL ? pcap_sensor_linktype(sensors[0]) :
		    LINKTYPE_NFLOG;

		if ((savefile = savefile_open(cf.savefile, err,
		    sizeof err)) == NULL)
			goto refuse;
		if (lt > 0 && savefile_bind(savefile, lt, err, sizeof err) == -1)
			goto refuse;
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
	watch_core = core_new(&cf, sensors, n, savefile);
	if (loop_signals((const int[]){ SIGHUP, SIGUSR1, SIGTERM, SIGINT,
	    SIGCHLD }, 5, on_signal) == -1)
		fatal("signals");
	if (core_start(watch_core) == -1)
		fatal("sensors");

	log_info("Success! Tuninetd has been started with PID: %d",
	    (int)getpid());
	if (cf.ifname != NULL)
		log_info("Binding to interface %s", cf.ifname);
	if (cf.nflog_group >= 0)
		log_info("Start listening nflog-group %d", cf.nflog_group);
	notify("READY=1\nMAINPID=%d\nSTATUS=standby, waiting for a packet",
	    (int)getpid());

	status = loop_run();
	notify("STOPPING=1");
	notify_close();
	core_free(watch_core);
	savefile_close(savefile);
	ifwatch_close();
	log_info("CORE: exited");
	free(hook);
	free(save);
	return status;

refuse:
	savefile_close(savefile);
	for (i = 0; i < n; i++)
		sensors[i]->ops->close(sensors[i]);
	ifwatch_close();
	free(hook);
	free(save);
	log_warnx("%s", err);
	return 1;
}
