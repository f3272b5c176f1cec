/*
 * daemon.c: the process around the watches. It owns them, answers the
 * signals (through the loop's signalfd), tells systemd how things stand,
 * and alone decides when the process ends: on SIGTERM or SIGINT every
 * watch that is up runs its stop hook, one that is starting finishes its
 * start and then stops, one that is stopping finishes; the process exits
 * once none has a hook left to run (each bounded by --hook-timeout). A
 * second SIGTERM exits at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "watch.h"

struct daemon {
	struct watch	**watches;
	int		  nwatches, cap;
	bool		  exiting;
	char		  status[256];	/* what systemd was told last */
};

static struct daemon *the_daemon;	/* for the signal callback */

static void
status_words(struct daemon *d, char *status, size_t len)
{
	int n[4] = { 0 }, i;

	if (d->exiting)
		snprintf(status, len, "exiting, once the hooks running have "
		    "ended");
	else if (d->nwatches == 1)
		watch_status(d->watches[0], status, len);
	else {
		for (i = 0; i < d->nwatches; i++)
			n[watch_state(d->watches[i])]++;
		snprintf(status, len, "%d watches: %d up, %d starting, "
		    "%d stopping, %d standby", d->nwatches, n[FSM_UP],
		    n[FSM_STARTING], n[FSM_STOPPING], n[FSM_IDLE]);
	}
}

/* systemctl status shows it; said only when it changed */
static void
tell_status(struct daemon *d)
{
	char status[sizeof d->status];

	status_words(d, status, sizeof status);
	if (strcmp(status, d->status) == 0)
		return;
	snprintf(d->status, sizeof d->status, "%s", status);
	notify("STATUS=%s", status);
}

static void
check_exit(struct daemon *d)
{
	int i;

	if (!d->exiting)
		return;
	for (i = 0; i < d->nwatches; i++)
		if (!watch_done(d->watches[i]))
			return;
	loop_quit(0);
}

static void
watch_changed(struct watch *w, void *arg)
{
	struct daemon *d = arg;

	(void)w;
	tell_status(d);
	check_exit(d);
}

static void
exit_signal(struct daemon *d, int signo)
{
	const char *name = signo == SIGTERM ? "SIGTERM" : "SIGINT";
	const char *why = "";
	int i;

	if (d->exiting) {
		log_info("CORE: %s caught again, exiting now", name);
		loop_quit(0);
		return;
	}
	if (d->nwatches == 1) {
		switch (watch_state(d->watches[0])) {
		case FSM_STARTING:
			why = " once the start and stop commands are done";
			break;
		case FSM_UP:
		case FSM_STOPPING:
			why = " once the stop command is done";
			break;
		case FSM_IDLE:
			break;
		}
	} else
		why = " once the watches' stop commands are done";
	log_info("CORE: %s caught, exiting%s", name, why);
	d->exiting = true;
	for (i = 0; i < d->nwatches; i++)
		watch_exit(d->watches[i]);
	tell_status(d);
	check_exit(d);
}

static void
on_signal(int signo)
{
	struct daemon *d = the_daemon;
	int i;

	switch (signo) {
	case SIGCHLD:
		hook_reap();
		break;
	case SIGHUP:
		for (i = 0; i < d->nwatches; i++)
			watch_stop_now(d->watches[i]);
		break;
	case SIGUSR1:
		log_info("SIGUSR1 caught:");
		for (i = 0; i < d->nwatches; i++)
			watch_describe(d->watches[i]);
		break;
	case SIGTERM:
	case SIGINT:
		exit_signal(d, signo);
		break;
	}
}

struct daemon *
daemon_new(void)
{
	struct daemon *d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		fatal("calloc");
	return d;
}

void
daemon_add(struct daemon *d, struct watch_conf *wc, struct sensor **sensors,
    int n, struct savefile *savefile)
{
	const struct watch_owner owner = { .changed = watch_changed, .arg = d };
	struct watch **v;

	if (d->nwatches == d->cap) {
		d->cap = d->cap != 0 ? d->cap * 2 : 8;
		if ((v = reallocarray(d->watches, d->cap, sizeof *v)) == NULL)
			fatal("watches");
		d->watches = v;
	}
	d->watches[d->nwatches++] = watch_new(wc, sensors, n, savefile,
	    &owner);
}

int
daemon_run(struct daemon *d)
{
	int i, status;

	the_daemon = d;
	if (loop_signals((const int[]){ SIGHUP, SIGUSR1, SIGTERM, SIGINT,
	    SIGCHLD }, 5, on_signal) == -1)
		fatal("signals");
	for (i = 0; i < d->nwatches; i++)
		if (watch_start(d->watches[i]) == -1)
			fatal("sensors");
	status_words(d, d->status, sizeof d->status);
	notify("READY=1\nMAINPID=%d\nSTATUS=%s", (int)getpid(), d->status);
	status = loop_run();
	notify("STOPPING=1");
	return status;
}

void
daemon_free(struct daemon *d)
{
	int i;

	for (i = 0; i < d->nwatches; i++)
		watch_free(d->watches[i]);
	free(d->watches);
	free(d);
	the_daemon = NULL;
}
