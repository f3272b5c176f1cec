/*
 * safepath.c: sshd's StrictModes, for what the daemon trusts as root: a
 * hook it runs at every event, the state files it adopts. The entry, and
 * each directory above it on the path as given and on the path its
 * symlinks lead to, must belong to root or to the daemon's user and be
 * writable by no one else. A sticky directory above it (/tmp) is
 * writable by all, but there only an entry's owner may replace it, so it
 * passes; the entry itself does not, when it is a directory the daemon
 * keeps files in (others could plant one there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safepath.h"

static uid_t trusted = (uid_t)-1;	/* --user: the worker's */

/* a uid whose state directory and state files pass as root's and ours:
 * the worker's (privsep.c) */
void
safepath_trust(uid_t uid)
{
	trusted = uid;
}

/* root's, ours, or the worker's (in the worker, root's files too) */
bool
safepath_ours(uid_t uid)
{
	return uid == 0 || uid == geteuid() ||
	    (trusted != (uid_t)-1 && uid == trusted);
}

/* leaf: the entry the path names, not a directory above it */
static bool
check_entry(const char *what, const char *given, const char *path,
    bool leaf, char *err, size_t len)
{
	char name[2 * PATH_MAX + 16];
	struct stat st;
	uid_t us = geteuid();

	if (strcmp(path, given) == 0)
		snprintf(name, sizeof name, "%s: `%s'", what, given);
	else
		snprintf(name, sizeof name, "%s: `%s': `%s'", what, given, path);
	if (lstat(path, &st) == -1) {
		snprintf(err, len, "%s: %s", name, strerror(errno));
		return false;
	}
	/* the worker's uid (--user) owns the state directory, not what is
	 * above it, nor a hook */
	if (st.st_uid != 0 && st.st_uid != us && !(leaf &&
	    safepath_ours(st.st_uid))) {
		snprintf(err, len, "%s belongs to uid %u, not to root%s", name,
		    (unsigned)st.st_uid, us != 0 ? " or to the daemon's uid" : "");
		return false;
	}
	if (S_ISLNK(st.st_mode) || (S_ISDIR(st.st_mode) && !leaf &&
	    (st.st_mode & S_ISVTX)) || !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	snprintf(err, len, "%s is writable by group or others (mode %04o)",
	    name, (unsigned)(st.st_mode & 07777));
	return false;
}

/* path and every directory above it, up to / */
static bool
check_tree(const char *what, const char *given, const char *path,
    bool leaf_dir, char *err, size_t len)
{
	char dir[PATH_MAX], *slash;

	if (!check_entry(what, given, path, leaf_dir, err, len))
		return false;
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
		snprintf(err, len, "%s: `%s': %s", what, given,
		    strerror(ENAMETOOLONG));
		return false;
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir) {
			dir[1] = '\0';
			return check_entry(what, given, dir, false, err, len);
		}
		*slash = '\0';
		if (!check_entry(what, given, dir, false, err, len))
			return false;
	}
	return true;
}

/* what names the setting in messages ("command", "-c", "state-dir");
 * writable_dir: path is a directory the daemon writes files in, which
 * nobody else may write in, sticky or not */
bool
safe_path(const char *what, const char *path, bool writable_dir, char *err,
    size_t len)
{
	char *real;
	bool ok;

	if (!check_tree(what, path, path, writable_dir, err, len))
		return false;
	if ((real = realpath(path, NULL)) == NULL) {
		snprintf(err, len, "%s: `%s': %s", what, path, strerror(errno));
		return false;
	}
	ok = check_tree(what, path, real, writable_dir, err, len);
	free(real);
	return ok;
}
