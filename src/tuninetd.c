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
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "hook.h"
#include "ifwatch.h"
#include "log.h"
#include "nft_rules.h"
#include "loop.h"
#include "notify.h"
#include "jail.h"
#include "options.h"
#include "packet.h"
#include "privsep.h"
#include "safepath.h"
#include "replay.h"
#include "savefile.h"
#include "sensor.h"
#include "statefile.h"

#ifndef VERSION
#define VERSION "2.0.0"
#endif

/* Whatever may exec it later, a hook must be an executable regular file
 * that only root (or we) can change: the file's `command', named so. */
static bool
check_command(const char *path, char *err, size_t len)
{
	return hook_check("command", path, err, len);
}

/* Daemonized, the working directory is /: a relative path made to keep
 * meaning what it meant, without resolving symlinks the user may later
 * move. NULL stays NULL. */
static void
make_absolute(char **path)
{
	char cwd[PATH_MAX], *abs;

	if (*path == NULL || (*path)[0] == '/')
		return;
	if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd");
	if (asprintf(&abs, "%s/%s", cwd, *path) == -1)
		fatal("absolute path");
	free(*path);
	*path = abs;
}

/* --pid-file, made absolute into abs (-d makes the directory /), and
 * refused now if it could not be written after -d: a directory in the
 * way, no directory to hold it */
static int
pid_file_check(const char *path, char *abs, size_t abslen, char *err,
    size_t len)
{
	char cwd[PATH_MAX], *slash, cut;
	struct stat st;
	int n, r = -1;

	if (path[0] != '/' && getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd");
	n = path[0] == '/' ? snprintf(abs, abslen, "%s", path) :
	    snprintf(abs, abslen, "%s/%s", cwd, path);
	/* room for mkostemp's suffix */
	if (n < 0 || (size_t)n + sizeof ".XXXXXX" > abslen) {
		snprintf(err, len, "--pid-file: `%s': too long a path", path);
		return -1;
	}
	/* the file is replaced by a rename: never a device or a socket */
	if (lstat(abs, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISLNK(st.st_mode)) {
		snprintf(err, len, "--pid-file: `%s' is %s", path,
		    S_ISDIR(st.st_mode) ? "a directory" :
		    "not a regular file");
		return -1;
	}
	/* abs cut to its directory a moment ("/x.pid" is in "/") */
	slash = strrchr(abs, '/');
	slash += slash == abs;
	cut = *slash;
	*slash = '\0';
	if (stat(abs, &st) == -1)
		snprintf(err, len, "--pid-file: `%s': its directory `%s' %s",
		    path, abs, errno == ENOENT ? "does not exist" :
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(err, len, "--pid-file: `%s': `%s' is not a directory",
		    path, abs);
	else if (access(abs, W_OK | X_OK) == -1)
		snprintf(err, len, "--pid-file: `%s': cannot write in `%s': %s",
		    path, abs, strerror(errno));
	else
		r = 0;
	*slash = cut;
	return r;
}

/* The PID, atomically: a reader finds the old file whole or the new one,
 * never half of one. */
static int
pid_file_write(const char *path, char *err, size_t len)
{
	char tmp[PATH_MAX], line[24];
	int fd, n, r;

	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, len, "--pid-file: `%s': a file beside it: %s",
		    path, strerror(errno));
		return -1;
	}
	n = snprintf(line, sizeof line, "%d\n", (int)getpid());
	if (write(fd, line, (size_t)n) != n || fchmod(fd, 0644) == -1)
		goto fail;
	r = close(fd);
	fd = -1;
	if (r == -1 || rename(tmp, path) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, len, "--pid-file: `%s': %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

/* at a clean exit: the file only while it still names us (not when
 * another daemon has written its own there since) */
static void
pid_file_remove(const char *path)
{
	char line[24], want[24];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	snprintf(want, sizeof want, "%d\n", (int)getpid());
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n > 0 && (line[n] = '\0', strcmp(line, want) == 0))
		unlink(path);
}

/* -C FILE refused: every error, then how many */
static void
say_config_errors(const char *file, struct config_errors *errs)
{
	fputs(errs->text, stderr);
	fprintf(stderr, "tuninetd: %s: %d error%s\n", file, errs->n,
	    errs->n == 1 ? "" : "s");
	config_errors_free(errs);
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

/* control-group names a group there is */
static bool
group_ok(const char *group, char *err, size_t len)
{
	gid_t gid;

	return control_group_id(group, &gid, err, len);
}

/* a reload moved the control socket */
static int
move_control(void *ctl, const char *path, const char *group, char *err,
    size_t len)
{
	/* the jailed worker's is the monitor's to make (privsep.c) */
	if (privsep_worker())
		return control_take(ctl, path, privsep_control_fd(), err, len);
	return control_move(ctl, path, group, err, len);
}

/* the command line's -c, named as the user wrote it */
static bool
check_option_hook(const char *path, char *err, size_t len)
{
	return hook_check("-c", path, err, len);
}

static struct jail the_jail = { .write_dir = -1 };

/* The worker's user, into the_jail: user (`user', --user), or by default
 * tuninetd, the package's (nobody where it is not made); 1 then, 0 for
 * no separation (`root', or a process started by another user than
 * root: it has no privilege to give up), -1 and err */
static int
worker_user(const char *user, char *err, size_t len)
{
	if (geteuid() != 0 || (user != NULL && strcmp(user, "root") == 0))
		return 0;
	if (jail_user(user != NULL ? user : JAIL_DEFAULT_USER, user == NULL,
	    &the_jail, err, len) == -1) {
		if (user == NULL)
			snprintf(err, len, "user: neither `%s' nor `%s' exists: "
			    "say `user = root' to run without separation",
			    JAIL_DEFAULT_USER, JAIL_FALLBACK_USER);
		return -1;
	}
	the_jail.fallback = user == NULL &&
	    strcmp(the_jail.user, JAIL_DEFAULT_USER) != 0;
	return 1;
}

/* -r: the capture through the watches, printed; no daemon, no hook, no
 * privilege. With -C the file is the daemon's: its filters are checked
 * as the daemon checks them, its hooks are not (none runs), and a watch
 * the capture cannot serve is named and left out. */
static int
replay(struct config *cf)
{
	struct config_checks checks = { .filter = pcap_filter_ok };
	const struct replay_capture *c;
	struct config_errors errs;
	struct watch_conf *wc;
	struct replay *r = NULL;
	char err[1024];
	int status = 1, added = 0, i;

	if (cf->config_file != NULL &&
	    !config_load(cf->config_file, cf, &checks, &errs)) {
		say_config_errors(cf->config_file, &errs);
		goto out;
	}
	if (cf->config_file != NULL)
		config_errors_free(&errs);
	if ((r = replay_open(cf->replay_file, err, sizeof err)) == NULL) {
		fprintf(stderr, "tuninetd: %s\n", err);
		goto out;
	}
	/* as root: its packets are read in the worker's jail, without a
	 * capability or a file to write */
	switch (worker_user(cf->user, err, sizeof err)) {
	case 1:
		the_jail.no_caps = true;
		if (jail_enter(&the_jail, err, sizeof err) == 0)
			break;
		/* FALLTHROUGH */
	case -1:
		fprintf(stderr, "tuninetd: -r: %s\n", err);
		goto out;
	}
	for (i = 0; i < cf->nreplay_groups; i++)
		if (replay_map_group(r, &cf->replay_groups[i], err,
		    sizeof err) == -1) {
			fprintf(stderr, "tuninetd: %s\n", err);
			goto out;
		}
	for (wc = cf->watches; wc != NULL; wc = wc->next) {
		if (replay_add(r, wc, cf->ttl_sweep, cf->nttl_sweep, err,
		    sizeof err) == 0)
			added++;
		else
			fprintf(stderr, "tuninetd: %s%s\n", err,
			    cf->config_file != NULL ? "; not replayed" : "");
	}
	if (added == 0) {
		if (cf->config_file != NULL)
			fprintf(stderr, "tuninetd: no watch of `%s' can be "
			    "replayed from `%s'\n", cf->config_file,
			    cf->replay_file);
		goto out;
	}
	if (replay_run(r, err, sizeof err) == -1) {
		fprintf(stderr, "tuninetd: %s\n", err);
		goto out;
	}
	c = replay_capture(r);
	if (c->cut[0] != '\0')
		fprintf(stderr, "tuninetd: -r: `%s': %s; replayed the %lu "
		    "packet%s before it\n", cf->replay_file, c->cut, c->packets,
		    c->packets == 1 ? "" : "s");
	/* the text says it in place of its timeline, or above its sweep */
	if (cf->json && replay_groups_unread(r, err, sizeof err))
		fprintf(stderr, "tuninetd: -r: `%s': %s\n", cf->replay_file,
		    err);
	if (cf->json) {
		if (replay_print_json(r, stdout) == -1) {
			fprintf(stderr, "tuninetd: -r: out of memory\n");
			goto out;
		}
	} else
		replay_print_text(r, stdout);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "tuninetd: stdout: %s\n", strerror(errno));
		goto out;
	}
	status = 0;
out:
	replay_free(r);
	config_free(cf);
	return status;
}

/* The monitor's, for a reload that moves the control socket: made in a
 * directory only root may write (or one it makes), so that the worker
 * cannot swap what root binds, chmods and later removes. */
static int
reload_control(const char *path, const char *group, int *fd, char *err,
    size_t len)
{
	struct stat st;
	char *copy, *dir;
	bool ok;

	if ((copy = strdup(path)) == NULL)
		fatal("strdup");
	dir = dirname(copy);
	ok = (lstat(dir, &st) == -1 && errno == ENOENT) ||
	    safe_path("control", dir, false, err, len);
	free(copy);
	if (!ok)
		return -1;
	return (*fd = control_listen(path, group, err, len)) == -1 ? -1 : 0;
}

/* the monitor's end: the PID file, in root's directory */
static void
monitor_cleanup(void *arg)
{
	const char *pid_file = arg;

	if (pid_file[0] != '\0')
		pid_file_remove(pid_file);
}

/* `user' or --user: the worker's, looked up; its uid owns the state
 * directory as root does (`root': no separation) */
static bool
user_ok(const char *name, char *err, size_t len)
{
	if (strcmp(name, "root") == 0) {
		safepath_trust((uid_t)-1);
		return true;
	}
	if (jail_user(name, false, &the_jail, err, len) == -1)
		return false;
	safepath_trust(the_jail.uid);
	return true;
}

/* Tests only: TUNINETD_JAIL_PROBE=PATH at start-up makes the jailed
 * worker try to open PATH for writing, once, and say what came of it
 * (the variable is read, and taken out of the environment, before the
 * split) */
static char *probe;

static void
jail_probe(void)
{
	int fd;

	if (probe == NULL)
		return;
	if ((fd = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		log_info("CORE: jail probe: `%s': %s", probe, strerror(errno));
	else {
		log_info("CORE: jail probe: `%s': opened for writing", probe);
		close(fd);
	}
}

/* the worker, its sockets open, before its first packet */
static int
enter_jail(char *err, size_t len)
{
	char ll[64] = "no Landlock (not in this kernel)";

	if (jail_enter(&the_jail, err, len) == -1)
		return -1;
	privsep_worker_jailed();
	if (the_jail.landlock > 0)
		snprintf(ll, sizeof ll, "Landlock ABI %d", the_jail.landlock);
	log_info("CORE: packets are read as user %s (uid %u%s), with "
	    "CAP_NET_ADMIN and CAP_NET_RAW only, no_new_privs, a seccomp "
	    "filter, %s; hooks run as root", the_jail.user,
	    (unsigned)the_jail.uid, the_jail.fallback ? ": no user "
	    JAIL_DEFAULT_USER ", which the package makes" : "", ll);
	jail_probe();
	return 0;
}

/* --user: the state directory the worker writes in is its own */
static int
jail_state_dir(const char *dir, const char *group, char *err, size_t len)
{
	struct group *gr;
	gid_t gid = the_jail.gid;

	if (group != NULL && (gr = getgrnam(group)) != NULL)
		gid = gr->gr_gid;
	if (chown(dir, the_jail.uid, gid) == -1 || (group != NULL &&
	    chmod(dir, 02755) == -1)) {
		snprintf(err, len, "state-dir: `%s': %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config_checks checks = { .filter = pcap_filter_ok,
	    .hook = check_command, .interface = pcap_interface_ok,
	    .state_dir = statefile_dir_ok, .group = group_ok, .user = user_ok };
	struct config_errors errs;
	struct watch_conf *wc, *next;
	struct control *ctl = NULL;
	struct cmdline cl;
	struct statedir sd = { .fd = -1 };
	struct daemon *d;
	struct config cf;
	char err[1024], usage[8192], pid_file[PATH_MAX] = "", cwd[PATH_MAX];
	struct privsep_conf pc = { .argv = argv, .cleanup = monitor_cleanup,
	    .arg = pid_file, .checks = &checks,
	    .control_listen = reload_control,
	    .control_regroup = control_regroup };
	bool jailed;
	int status;

	ensure_std_fds();
	pc.restarts = privsep_restarts();
	if ((probe = getenv("TUNINETD_JAIL_PROBE")) != NULL &&
	    (probe = strdup(probe)) != NULL)
		unsetenv("TUNINETD_JAIL_PROBE");
	if (!options_parse(&cf, &cl, argc, argv, err, sizeof err)) {
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
	if (cf.mode == RUN_REPLAY)
		return replay(&cf);
	/* start-up and a reload compile each expression as they open its
	 * watch (refused there, with the file's line); a check does it here */
	if (cf.mode == RUN_CHECK_CONFIG)
		checks.match = nft_match_check;
	log_init("tuninetd", false);
	/* the default worker's user owns the state directory, as root does,
	 * unless `user' says another (user_ok) */
	if (worker_user(NULL, err, sizeof err) == 1)
		safepath_trust(the_jail.uid);
	if (cf.config_file != NULL) {
		/* read again on SIGHUP, after -d made the directory / (the
		 * file's own relative paths are relative to the file) */
		make_absolute(&cf.config_file);
		if (!config_load(cf.config_file, &cf, &checks, &errs)) {
			say_config_errors(cf.config_file, &errs);
			config_free(&cf);
			return 1;
		}
		config_errors_free(&errs);
		if (cf.nwatches == 0)
			log_warnx("%s: no [watch NAME] section: the daemon "
			    "would watch nothing (until a reload adds a watch)",
			    cf.config_file);
		if (cf.mode == RUN_CHECK_CONFIG) {
			printf("configuration OK: %d watch%s\n", cf.nwatches,
			    cf.nwatches == 1 ? "" : "es");
			config_free(&cf);
			return 0;
		}
	} else {
		make_absolute(&cf.watches->hook);
		make_absolute(&cf.watches->savefile);
		make_absolute(&cf.control);
		make_absolute(&cf.state_dir);
		checks.hook = check_option_hook;
	}
	/* the worker's user, looked up now (a `user' missing is refused);
	 * its uid owns the state directory as root does, and no other */
	switch (worker_user(cf.user, err, sizeof err)) {
	case -1:
		config_free(&cf);
		log_warnx("%s", err);
		return 1;
	case 0:
		jailed = false;
		safepath_trust((uid_t)-1);
		break;
	default:
		jailed = true;
		safepath_trust(the_jail.uid);
	}
	/* first: it makes /run/tuninetd, where the state directory may be;
	 * with -C there is one even with `control = off', for a reload to
	 * give it a path */
	if ((cf.control != NULL || cf.config_file != NULL) &&
	    (ctl = control_open(cf.control, cf.control_group, err,
	    sizeof err)) == NULL) {
		config_free(&cf);
		log_warnx("%s", err);
		return 1;
	}
	if (cf.state_dir != NULL &&
	    (statefile_dir(cf.state_dir, &sd, err, sizeof err) == -1 || (jailed &&
	    jail_state_dir(cf.state_dir, cf.control_group, err,
	    sizeof err) == -1))) {
		statefile_dir_close(&sd);
		control_close(ctl);
		config_free(&cf);
		log_warnx("%s", err);
		return 1;
	}
	/* after the control socket: /run/tuninetd may hold the file too */
	if (cl.pid_file != NULL && pid_file_check(cl.pid_file, pid_file,
	    sizeof pid_file, err, sizeof err) == -1) {
		control_close(ctl);
		config_free(&cf);
		log_warnx("%s", err);
		return 1;
	}
	if (jailed)
		privsep_table(cf.watches);
	d = daemon_new(cf.config_file, cf.state_dir != NULL ? &sd : NULL,
	    &checks);
	daemon_settings(d, cf.control, cf.control_group, cf.config_file !=
	    NULL ? move_control : NULL, ctl);
	for (wc = cf.watches; wc != NULL; wc = next) {
		next = wc->next;
		wc->next = NULL;
		cf.watches = next;	/* the daemon owns it from here */
		if (daemon_add(d, wc, err, sizeof err) == -1)
			goto refuse;
	}

	/* -d prints nothing, as the original did: its PID is in the
	 * --pid-file and in the "Success!" line of the log */
	if (getcwd(cwd, sizeof cwd) != NULL)	/* -d leaves / */
		pc.cwd = cwd;
	if (cf.daemonize) {
		/* started again by the monitor (privsep.c): detached already */
		if (!(jailed && pc.restarts > 0) && daemon(0, 0) == -1)
			fatal("daemon");
		log_init("tuninetd", true);
	}
	if (pid_file[0] != '\0' &&
	    pid_file_write(pid_file, err, sizeof err) == -1)
		goto refuse;
	/* before the split: the worker tells systemd (its unit has
	 * NotifyAccess=all), and no hook of the monitor's sees the socket */
	notify_init();
	if (jailed) {
		the_jail.write_dir = sd.fd;
		pc.config_file = cf.config_file;
		pc.daemonized = cf.daemonize;
		pc.control = cf.control;
		pc.control_group = cf.control_group;
		pc.state_dir = cf.state_dir;
		pc.user = cf.user;
		if (privsep_split(&pc, err, sizeof err) == -1)
			goto refuse;
	}
	signal(SIGPIPE, SIG_IGN);
	if (loop_init() == -1)
		fatal("event loop");
	log_info("Success! Tuninetd has been started with PID: %d",
	    (int)privsep_main_pid());
	if (jailed)
		privsep_worker_join();
	if (ctl != NULL && control_join(ctl, d) == -1)
		fatal("control socket");
	status = daemon_run(d, jailed ? enter_jail : NULL);
	if (pid_file[0] != '\0')
		pid_file_remove(pid_file);
	notify_close();
	control_close(ctl);
	daemon_free(d);
	config_free(&cf);
	ifwatch_close();
	log_info("CORE: exited");
	return status;

refuse:
	control_close(ctl);
	config_free(&cf);
	daemon_free(d);
	ifwatch_close();
	log_warnx("%s", err);
	return 1;
}
