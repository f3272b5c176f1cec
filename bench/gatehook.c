/* gatehook: the bench's start/stop hook for an on-demand path, statically
 * linked, no shell in front: `gatehook start' runs $GATE_START, `gatehook
 * stop' $GATE_STOP (through /bin/sh -c), and appends
 * "EVENT <CLOCK_REALTIME seconds at main> <at the command's end>" to
 * $STAMP_FILE, so the hook's own run time is known beside what the
 * daemon and the client see. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double t0 = now(), t1;
	const char *event = argc > 1 ? argv[1] : "-";
	const char *cmd = getenv(strcmp(event, "start") == 0 ? "GATE_START" :
	    "GATE_STOP");
	const char *path = getenv("STAMP_FILE");
	char *sh[] = { "sh", "-c", (char *)cmd, NULL };
	int status = 0;
	pid_t pid;
	FILE *f;

	if (cmd != NULL && (posix_spawn(&pid, "/bin/sh", NULL, NULL, sh,
	    environ) != 0 || waitpid(pid, &status, 0) == -1))
		return 1;
	t1 = now();
	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return 1;
	fprintf(f, "%s %.6f %.6f\n", event, t0, t1);
	return fclose(f) != 0 || status != 0;
}
