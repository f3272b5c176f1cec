/*
 * statefile.c: a watch's state across a restart of the daemon, so that a
 * crash or kill -9 while a watch is up does not leave its service up for
 * good: one small text file per watch in the state directory (a tmpfs,
 * /run/tuninetd/state: it survives the daemon, not a reboot; the
 * worker's, privsep.c, beside root's control socket in /run/tuninetd,
 * not holding it), written whole to
 * a temporary file and renamed over the old one, so a crash leaves the
 * old state or the new, never half of one. Lines are `key=value';
 * times are CLOCK_REALTIME nanoseconds. A file names its source (the
 * configuration file, or "-" for the command line): a watch of the same
 * name from another configuration does not take it over.
 *
 * The daemon adopts what these files say, and they hold the trigger
 * packet's addresses: the directory must be root's (or the worker's
 * user's) and writable by nobody else, as hooks are checked
 * (safepath.c); files are 0600, or 0640 for control-group, who may read
 * the socket's status too; a file is opened without following a link
 * or blocking on a FIFO, must be a regular file of ours, and is read up
 * to STATE_MAX bytes. What does not parse is not adopted, and said.
 *
 * The directory is opened once, by root at start-up, and every file is
 * reached from that descriptor: the worker (privsep.c) may not be able
 * to walk the path to it (a 0700 directory above), and need not.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "safepath.h"
#include "statefile.h"

#define STATE_MAX	4096	/* a file's bytes read at most */
#define SUFFIX		".state"

static const char *const states[] = {
	[SAVED_IDLE] = "idle", [SAVED_STARTING] = "starting",
	[SAVED_UP] = "up", [SAVED_STOPPING] = "stopping",
};

/* what a file says of a state machine's state */
enum saved_state
statefile_state(enum fsm_state st)
{
	static const enum saved_state saved[] = { [FSM_IDLE] = SAVED_IDLE,
	    [FSM_STARTING] = SAVED_STARTING, [FSM_UP] = SAVED_UP,
	    [FSM_STOPPING] = SAVED_STOPPING };

	return saved[st];
}

static void
name_of(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s" SUFFIX "%s", name, suffix);
}

/* A directory another user owns, but in a directory only root may
 * write, that only its owner may write: only root could have made it
 * there and given it away, to a worker of another user (`user' changed,
 * or the package made its user since). It is taken back; the files in
 * it stay its old owner's, and are not adopted (statefile_read). */
static bool
a_workers(const char *dir, const struct stat *st)
{
	char *copy, why[64];
	bool ok;

	if (st->st_uid == 0 || safepath_ours(st->st_uid) ||
	    (st->st_mode & 022) != 0 || (copy = strdup(dir)) == NULL)
		return false;
	ok = safe_path("state-dir", dirname(copy), false, why, sizeof why);
	free(copy);
	return ok;
}

/* dir is a directory that only root (or the worker's user) may write,
 * or one that a worker of another user had (taken back: made root's) */
static bool
dir_safe(const char *dir, bool take, char *err, size_t len)
{
	struct stat st;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len, "state-dir: `%s' is not a directory", dir);
		return false;
	}
	if (a_workers(dir, &st)) {
		if (!take)
			return true;
		if (chown(dir, 0, (gid_t)-1) == -1) {
			snprintf(err, len, "state-dir: `%s': %s", dir,
			    strerror(errno));
			return false;
		}
		log_info("state-dir: `%s' was uid %u's, a worker's before: "
		    "taken back; its files are not adopted", dir,
		    (unsigned)st.st_uid);
	}
	return safe_path("state-dir", dir, true, err, len);
}

/* dir made if missing (its parent too, one level: /run/tuninetd),
 * checked and opened into sd */
int
statefile_dir(const char *dir, struct statedir *sd, char *err, size_t len)
{
	char *copy, *parent;
	int r;

	sd->fd = -1;
	snprintf(sd->path, sizeof sd->path, "%s", dir);
	if ((r = mkdir(dir, 0755)) == -1 && errno == ENOENT) {
		if ((copy = strdup(dir)) == NULL)
			abort();
		parent = dirname(copy);
		if (mkdir(parent, 0755) == 0)
			(void)chmod(parent, 0755);
		free(copy);
		r = mkdir(dir, 0755);
	}
	if (r == 0) {
		/* the mode asked for, whatever the umask */
		if (chmod(dir, 0755) == -1) {
			snprintf(err, len, "state-dir: `%s': %s", dir,
			    strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		snprintf(err, len, "state-dir: `%s': %s", dir, strerror(errno));
		return -1;
	}
	if (!dir_safe(dir, true, err, len))
		return -1;
	if (access(dir, W_OK) == -1 || (sd->fd = open(dir, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, len, "state-dir: `%s': %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

void
statefile_dir_close(struct statedir *sd)
{
	if (sd->fd != -1)
		close(sd->fd);
	sd->fd = -1;
}

/* What statefile_dir would refuse of dir, without making it: a missing
 * one is made at start-up. */
bool
statefile_dir_ok(const char *dir, char *err, size_t len)
{
	struct stat st;

	if (stat(dir, &st) == -1 && errno == ENOENT)
		return true;
	return dir_safe(dir, false, err, len);
}

/* whether the file has the group already (--user: the state directory
 * is setgid, and the worker may not chown) */
static bool
in_group(int fd, gid_t group)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_gid == group;
}

int
statefile_write(const struct statedir *sd, const char *name,
    const struct saved *sv, gid_t group)
{
	char tmp[512], file[512];
	mode_t mode = group != (gid_t)-1 ? 0640 : 0600;
	FILE *f;
	int fd;

	name_of(tmp, sizeof tmp, name, ".new");
	name_of(file, sizeof file, name, "");
	(void)unlinkat(sd->fd, tmp, 0);	/* whatever a crash left there */
	fd = openat(sd->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, mode);
	if (fd == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || (group != (gid_t)-1 &&
	    !in_group(fd, group) && fchown(fd, (uid_t)-1, group) == -1) ||
	    (f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlinkat(sd->fd, tmp, 0);
		return -1;
	}
	fprintf(f, "source=%s\nstate=%s\nup_since=%lld\nlast_packet=%lld\n"
	    "held=%d\ntrigger=%s\n", sv->source, states[sv->state],
	    (long long)sv->up_since, (long long)sv->last_packet, sv->held,
	    sv->trigger);
	if (sv->session[0] != '\0')
		fprintf(f, "session=%s\n", sv->session);
	if (fclose(f) != 0 || renameat(sd->fd, tmp, sd->fd, file) == -1) {
		unlinkat(sd->fd, tmp, 0);
		return -1;
	}
	return 0;
}

/* s as it may be shown in a log line: at most len - 1 bytes, each byte
 * outside printable ASCII as \xHH, so that a file's garbage reaches no
 * terminal or syslog reader raw. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	unsigned char c;

	for (; *s != '\0' && n + 5 < len; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f) {
			buf[n++] = (char)c;
			continue;
		}
		buf[n++] = '\\';
		buf[n++] = 'x';
		buf[n++] = hex[c >> 4];
		buf[n++] = hex[c & 0xf];
	}
	buf[n] = '\0';
	return buf;
}

/* One line, key=value, into sv; false if it does not parse. */
static bool
parse_line(char *line, struct saved *sv, bool *have_state)
{
	char *v, *end;
	long long n;
	size_t i;

	if ((v = strchr(line, '=')) == NULL)
		return false;
	*v++ = '\0';
	if (strcmp(line, "state") == 0) {
		for (i = 0; i < sizeof states / sizeof states[0]; i++)
			if (strcmp(v, states[i]) == 0) {
				sv->state = (enum saved_state)i;
				*have_state = true;
				return true;
			}
		return false;
	}
	if (strcmp(line, "up_since") == 0 || strcmp(line, "last_packet") == 0 ||
	    strcmp(line, "held") == 0) {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || n < 0)
			return false;
		if (line[0] == 'u')
			sv->up_since = n;
		else if (line[0] == 'l')
			sv->last_packet = n;
		else
			sv->held = n != 0;
		return true;
	}
	if (strcmp(line, "trigger") == 0)
		snprintf(sv->trigger, sizeof sv->trigger, "%s", v);
	else if (strcmp(line, "source") == 0)
		snprintf(sv->source, sizeof sv->source, "%s", v);
	else if (strcmp(line, "session") == 0)
		snprintf(sv->session, sizeof sv->session, "%s", v);
	return true;		/* a key of a newer version */
}

/* What a file says: STATEFILE_OK, STATEFILE_NONE when there is none, or
 * STATEFILE_BAD with err saying why it is not to be trusted. */
int
statefile_read(const struct statedir *sd, const char *name,
    struct saved *sv, char *err, size_t errlen)
{
	char path[4096 + 512], file[512], buf[STATE_MAX + 1], *line, *next;
	char shown[80];
	bool have_state = false;
	struct stat st;
	ssize_t n;
	int fd;

	memset(sv, 0, sizeof *sv);
	name_of(file, sizeof file, name, "");
	snprintf(path, sizeof path, "%s/%s", sd->path, file);
	fd = openat(sd->fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return STATEFILE_NONE;
	if (fd == -1) {
		snprintf(err, errlen, "`%s': %s", path, strerror(errno));
		return STATEFILE_BAD;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    !safepath_ours(st.st_uid)) {
		snprintf(err, errlen, "`%s' is not a regular file of the "
		    "daemon's user", path);
		close(fd);
		return STATEFILE_BAD;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0 || n > STATE_MAX) {
		snprintf(err, errlen, "`%s': %s", path, n < 0 ?
		    strerror(errno) : "longer than a state file is");
		return STATEFILE_BAD;
	}
	buf[n] = '\0';
	for (line = buf; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if (*line == '\0')
			continue;
		printable(line, shown, sizeof shown);	/* parsing cuts it */
		if (!parse_line(line, sv, &have_state)) {
			snprintf(err, errlen, "`%s': not a state file: `%s'",
			    path, shown);
			return STATEFILE_BAD;
		}
	}
	if (!have_state) {
		snprintf(err, errlen, "`%s': not a state file: no state", path);
		return STATEFILE_BAD;
	}
	return STATEFILE_OK;
}

void
statefile_remove(const struct statedir *sd, const char *name)
{
	char file[512];

	name_of(file, sizeof file, name, "");
	(void)unlinkat(sd->fd, file, 0);
}

/*
 * --session: a watch's sessions live in a directory of their own beside
 * its file, <dir>/<watch>.sessions, a file per session, named by its key
 * (watch_session.c). The directory is the daemon's and closed to others
 * (0700, or 0750 for control-group): its file names are the clients.
 */

/* watch's directory opened into out if it is one of ours that nobody
 * else may write and others may not read (its names are the clients),
 * made first with make; -1 with errno (ENOENT: there is none) */
int
statefile_sessions(const struct statedir *sd, const char *watch, bool make,
    gid_t group, struct statedir *out)
{
	mode_t mode = group != (gid_t)-1 ? 0750 : 0700;
	char name[512];
	struct stat st;
	int fd;

	snprintf(name, sizeof name, "%s.sessions", watch);
	out->fd = -1;
	if (snprintf(out->path, sizeof out->path, "%s/%s", sd->path, name) >=
	    (int)sizeof out->path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make && mkdirat(sd->fd, name, mode) == 0 &&
	    (fchmodat(sd->fd, name, mode, 0) == -1 || (group != (gid_t)-1 &&
	    fchownat(sd->fd, name, (uid_t)-1, group, AT_SYMLINK_NOFOLLOW) ==
	    -1)))
		return -1;
	if ((fd = openat(sd->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !safepath_ours(st.st_uid) ||
	    (st.st_mode & 027) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	out->fd = fd;
	return 0;
}

/* Each file's state, or NULL and why it cannot be trusted; 0, or -1 and
 * err when the directory is not to be read (none is no error). */
int
statefile_sessions_read(const struct statedir *sd, const char *watch,
    void (*each)(const char *, const struct saved *, const char *, void *),
    void *arg, char *err, size_t errlen)
{
	char name[256], why[512];
	struct statedir sub;
	struct dirent *de;
	struct saved sv;
	size_t n, sn = strlen(SUFFIX);
	DIR *dir;
	int fd;

	if (statefile_sessions(sd, watch, false, (gid_t)-1, &sub) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "`%s': %s", sub.path, errno == EPERM ?
		    "not a directory of the daemon's user closed to others" :
		    strerror(errno));
		return -1;
	}
	/* readdir's own descriptor: sub's stays for the files */
	if ((fd = dup(sub.fd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "`%s': %s", sub.path, strerror(errno));
		if (fd != -1)
			close(fd);
		statefile_dir_close(&sub);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		n = strlen(de->d_name);
		if (n <= sn || n >= sizeof name ||
		    strcmp(de->d_name + n - sn, SUFFIX) != 0)
			continue;
		memcpy(name, de->d_name, n - sn);
		name[n - sn] = '\0';
		if (statefile_read(&sub, name, &sv, why, sizeof why) ==
		    STATEFILE_OK)
			each(name, &sv, NULL, arg);
		else
			each(name, NULL, why, arg);
	}
	closedir(dir);
	statefile_dir_close(&sub);
	return 0;
}

/* the directory and every file in it */
void
statefile_sessions_remove(const struct statedir *sd, const char *watch)
{
	struct statedir sub;
	struct dirent *de;
	char name[512];
	DIR *dir;

	if (statefile_sessions(sd, watch, false, (gid_t)-1, &sub) == -1)
		return;
	if ((dir = fdopendir(sub.fd)) == NULL) {
		statefile_dir_close(&sub);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (de->d_type != DT_DIR)
			(void)unlinkat(sub.fd, de->d_name, 0);
	closedir(dir);
	snprintf(name, sizeof name, "%s.sessions", watch);
	(void)unlinkat(sd->fd, name, AT_REMOVEDIR);
}
