/*
 * statefile.c: a watch's state across a restart of the daemon, so that a
 * crash or kill -9 while a watch is up does not leave its service up for
 * good: one small text file per watch in the state directory (a tmpfs,
 * /run/tuninetd: it survives the daemon, not a reboot), written whole to
 * a temporary file and renamed over the old one, so a crash leaves the
 * old state or the new, never half of one. Lines are `key=value';
 * times are CLOCK_REALTIME nanoseconds. A file names its source (the
 * configuration file, or "-" for the command line): a watch of the same
 * name from another configuration does not take it over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statefile.h"

static const char *const states[] = {
	[SAVED_IDLE] = "idle", [SAVED_STARTING] = "starting",
	[SAVED_UP] = "up", [SAVED_STOPPING] = "stopping",
};

static void
path_of(char *buf, size_t len, const char *dir, const char *name,
    const char *suffix)
{
	snprintf(buf, len, "%s/%s.state%s", dir, name, suffix);
}

int
statefile_dir(const char *dir, char *err, size_t len)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, len, "state-dir: `%s': %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len, "state-dir: `%s' is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK) == -1) {
		snprintf(err, len, "state-dir: `%s': %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
statefile_write(const char *dir, const char *name, const struct saved *sv)
{
	char tmp[4096], path[4096];
	FILE *f;
	int fd;

	path_of(tmp, sizeof tmp, dir, name, ".new");
	path_of(path, sizeof path, dir, name, "");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	fprintf(f, "source=%s\nstate=%s\nup_since=%lld\nlast_packet=%lld\n"
	    "trigger=%s\n", sv->source, states[sv->state],
	    (long long)sv->up_since, (long long)sv->last_packet, sv->trigger);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* What a file says, or -1 when there is none or it cannot be trusted. */
int
statefile_read(const char *dir, const char *name, struct saved *sv)
{
	char path[4096], line[512], *v, *end;
	bool have_state = false;
	long long n;
	FILE *f;
	size_t i;

	memset(sv, 0, sizeof *sv);
	path_of(path, sizeof path, dir, name, "");
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "state") == 0) {
			for (i = 0; i < sizeof states / sizeof states[0]; i++)
				if (strcmp(v, states[i]) == 0) {
					sv->state = (enum saved_state)i;
					have_state = true;
				}
		} else if (strcmp(line, "up_since") == 0 ||
		    strcmp(line, "last_packet") == 0) {
			errno = 0;
			n = strtoll(v, &end, 10);
			if (errno != 0 || *end != '\0' || n < 0)
				have_state = false;
			else if (line[0] == 'u')
				sv->up_since = n;
			else
				sv->last_packet = n;
		} else if (strcmp(line, "trigger") == 0)
			snprintf(sv->trigger, sizeof sv->trigger, "%s", v);
		else if (strcmp(line, "source") == 0)
			snprintf(sv->source, sizeof sv->source, "%s", v);
	}
	fclose(f);
	return have_state ? 0 : -1;
}

void
statefile_remove(const char *dir, const char *name)
{
	char path[4096];

	path_of(path, sizeof path, dir, name, "");
	unlink(path);
}
