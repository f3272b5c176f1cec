/* stamp: a hook with nothing in the way (statically linked, no shell):
 * append "EVENT <CLOCK_REALTIME seconds>" to $STAMP_FILE, and the
 * session's name after it for a hook of a --session watch. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char **argv)
{
	struct timespec t;
	const char *path = getenv("STAMP_FILE");
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &t);
	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return 1;
	fprintf(f, "%s %ld.%09ld%s%s\n", argc > 1 ? argv[1] : "-",
	    (long)t.tv_sec, t.tv_nsec, getenv("TUNINETD_SESSION") != NULL ?
	    " " : "", getenv("TUNINETD_SESSION") != NULL ?
	    getenv("TUNINETD_SESSION") : "");
	return fclose(f) != 0;
}
