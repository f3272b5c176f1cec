/*
 * tuninetctl: asks tuninetd, through its control socket, how its watches
 * stand, why one is up, what its hooks did, for its metrics; and, as
 * root, to start, stop, hold, release a watch or reload its file.
 *
 * One request, one reply: a JSON object on one line each way (see
 * control_cmd.c and tuninetctl(8)). It never hangs: connecting, sending
 * and reading the reply are bounded by TIMEOUT seconds in all. Exit 0
 * when the daemon did it, 1 when it refused or could not be asked, 2 for
 * a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "tuninetctl.h"

#ifndef VERSION
#define VERSION "2.0.0"
#endif

#define SOCKET_DEFAULT	"/run/tuninetd/control"
#define TIMEOUT		5		/* seconds, for it all */
#define REPLY_MAX	(64 << 20)	/* bytes: metrics of thousands */
#define REPLY_VALUES	(4 << 20)

static const char usage_text[] =
"usage: tuninetctl [-s <socket>] [--json] <command> [<args>]\n"
"\n"
"  status [<watch>...]   each watch: state, since, last packet, deadline,\n"
"                        sensors, the packet that started it\n"
"  why [<watch>]         what keeps it up: the packets that moved its\n"
"                        deadline\n"
"  events [-n <n>]       the last n hook runs (20, at most 256), oldest first\n"
"  metrics               Prometheus text exposition format\n"
"  list                  the watches' names\n"
"  rules                 the netfilter rules the daemon wrote (--match),\n"
"                        as nft prints them\n"
"  start [<watch>]       run the start hook now (TUNINETD_REASON=control)\n"
"  stop [<watch>]        run the stop hook now (TUNINETD_REASON=control)\n"
"  hold [<watch>]        packets start nothing until release (maintenance)\n"
"  release [<watch>]     packets start it again\n"
"  reload                read the configuration file again (-C)\n"
"\n"
"  -s, --socket <path>   the control socket (default " SOCKET_DEFAULT ")\n"
"  -j, --json            print the daemon's JSON reply as it is\n"
"  -n, --count <n>       events: how many\n"
"  -h, --help            print this help\n"
"  -v, --version         print the version\n"
"\n"
"A <watch> may be left out when the daemon has only one. Anyone who may\n"
"open the socket may read; only root may start, stop, hold, release and\n"
"reload. Exit status: 0 done, 1 refused or failed, 2 usage.\n";

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(int64_t deadline)
{
	int64_t left = deadline - mono_ms();

	return left > 0 ? (int)left : 0;
}

/* why the socket cannot be opened, in words a user can act on */
static void
say_connect(const char *path)
{
	struct stat st;
	int e = errno;

	switch (e) {
	case ENOENT:
		fprintf(stderr, "tuninetctl: no control socket at `%s' (it "
		    "does not exist): is tuninetd running with one? (-C: "
		    "`control =' in [daemon], on by default; command line: "
		    "--control <path>; -s names another)\n", path);
		break;
	case ENOTDIR:
		fprintf(stderr, "tuninetctl: `%s': a part of its path is not "
		    "a directory\n", path);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "tuninetctl: `%s': permission denied: the "
		    "socket is open to root and to its control-group only\n",
		    path);
		break;
	case ECONNREFUSED:
		/* a directory or a file refuses as a dead socket does */
		if (stat(path, &st) == -1 || S_ISSOCK(st.st_mode))
			fprintf(stderr, "tuninetctl: `%s': nobody answers "
			    "there (the tuninetd that made it is not "
			    "running)\n", path);
		else if (S_ISDIR(st.st_mode))
			fprintf(stderr, "tuninetctl: `%s' is a directory, not "
			    "a socket: -s names the socket itself\n", path);
		else
			fprintf(stderr, "tuninetctl: `%s' is not a socket "
			    "(%s)\n", path, S_ISREG(st.st_mode) ?
			    "a regular file" : S_ISFIFO(st.st_mode) ?
			    "a named pipe" : "a device");
		break;
	case EAGAIN:
		fprintf(stderr, "tuninetctl: `%s': tuninetd takes no more "
		    "connections now\n", path);
		break;
	default:
		fprintf(stderr, "tuninetctl: `%s': %s\n", path, strerror(e));
	}
}

/* one request, its reply (malloc'd, NUL-terminated, without its line
 * feed) or NULL, said why */
static char *
ask(const char *path, const char *request)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = mono_ms() + TIMEOUT * 1000;
	size_t len = 0, cap = 0, sent = 0, want = strlen(request);
	struct pollfd pfd;
	char *buf = NULL, *b, *nl;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "tuninetctl: -s: `%s' is longer than a Unix "
		    "socket's path may be (%zu bytes)\n", path,
		    sizeof sa.sun_path - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		perror("tuninetctl: socket");
		return NULL;
	}
	/* a Unix socket's connect ends at once: made, refused, or EAGAIN
	 * when the daemon's backlog is full */
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		say_connect(path);
		goto fail;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	while (sent < want) {
		if (poll(&pfd, 1, left_ms(deadline)) <= 0)
			goto timeout;
		n = send(fd, request + sent, want - sent, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "tuninetctl: `%s': sending: %s\n", path,
			    strerror(errno));
			goto fail;
		}
		if (n > 0)
			sent += (size_t)n;
	}
	pfd.events = POLLIN;
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap != 0 ? cap * 2 : 65536;
			if ((b = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "tuninetctl: out of memory\n");
				goto fail;
			}
			buf = b;
		}
		if (poll(&pfd, 1, left_ms(deadline)) <= 0)
			goto timeout;
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			fprintf(stderr, "tuninetctl: `%s': the daemon closed "
			    "the connection without a reply%s%s\n", path,
			    n == -1 ? ": " : "", n == -1 ? strerror(errno) : "");
			goto fail;
		}
		len += (size_t)n;
		buf[len] = '\0';
		nl = memchr(buf + len - (size_t)n, '\n', (size_t)n);
		if (nl != NULL) {
			*nl = '\0';
			break;
		}
		if (len > REPLY_MAX) {
			fprintf(stderr, "tuninetctl: `%s': a reply longer than "
			    "%d bytes\n", path, REPLY_MAX);
			goto fail;
		}
	}
	close(fd);
	return buf;
timeout:
	fprintf(stderr, "tuninetctl: `%s': no reply within %d s\n", path,
	    TIMEOUT);
fail:
	free(buf);
	close(fd);
	return NULL;
}

static void __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tuninetctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry `tuninetctl -h' for more information.\n", stderr);
}

/* the request for the command line's command and arguments, or false */
static bool
request(struct json *j, const char *command, char **args, int nargs,
    long count)
{
	static const struct {
		const char	*name;
		int		 watches;	/* it takes at most; -1: any */
	} commands[] = {
		{ "status", -1 }, { "why", 1 }, { "events", 0 },
		{ "metrics", 0 }, { "list", 0 }, { "start", 1 }, { "stop", 1 },
		{ "hold", 1 }, { "release", 1 }, { "reload", 0 },
		{ "rules", 0 },
	};
	size_t k;
	int i;

	for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(commands[k].name, command) == 0)
			break;
	if (k == sizeof commands / sizeof commands[0]) {
		usage_error("`%s' is not a command", command);
		return false;
	}
	if (count != 0 && strcmp(command, "events") != 0) {
		usage_error("-n is for events, not %s", command);
		return false;
	}
	if (commands[k].watches >= 0 && nargs > commands[k].watches) {
		usage_error("%s takes %s", command, commands[k].watches == 0 ?
		    "no watch" : "one watch");
		return false;
	}
	json_object(j);
	json_key(j, "command");
	json_string(j, command);
	if (commands[k].watches == -1 && nargs > 0) {
		json_key(j, "watches");
		json_array(j);
		for (i = 0; i < nargs; i++)
			json_string(j, args[i]);
		json_end(j);
	} else if (nargs == 1) {
		json_key(j, "watch");
		json_string(j, args[0]);
	}
	if (count != 0) {
		json_key(j, "count");
		json_int(j, count);
	}
	json_end(j);
	return true;
}

static void
show(const char *command, const struct json_node *root)
{
	const struct json_node *list, *v;

	if (strcmp(command, "status") == 0)
		show_status(stdout, root);
	else if (strcmp(command, "why") == 0)
		show_why(stdout, root);
	else if (strcmp(command, "events") == 0)
		show_events(stdout, root);
	else if (strcmp(command, "metrics") == 0 ||
	    strcmp(command, "rules") == 0) {
		if ((v = json_get(root, "text")) != NULL &&
		    v->type == JSON_STRING)
			fputs(v->str, stdout);
	} else if (strcmp(command, "list") == 0) {
		list = json_get(root, "watches");
		for (v = json_child(list); v != NULL; v = json_next(list, v))
			if (v->type == JSON_STRING)
				printf("%s\n", v->str);
	}
	/* start, stop, hold, release, reload: done is said by exit 0 */
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "socket",	required_argument,	NULL, 's' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "count",	required_argument,	NULL, 'n' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = SOCKET_DEFAULT;
	const struct json_node *root, *ok, *error;
	struct json_doc doc;
	struct json req;
	bool json = false;
	long count = 0;
	char err[256], *line, *reply, *end;
	int c, rc = 1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jn:hv", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    count < 1 || count > 256) {
				usage_error("-n: `%s' is not a number from 1 "
				    "to 256", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			printf("tuninetctl %s\n", VERSION);
			return 0;
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
			return 2;
		default:
			usage_error("unknown option `%s'", argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		usage_error("no command given");
		return 2;
	}
	json_init(&req);
	if (!request(&req, argv[optind], argv + optind + 1,
	    argc - optind - 1, count)) {
		json_free(&req);
		return 2;
	}
	if (json_text(&req) == NULL) {
		fprintf(stderr, "tuninetctl: out of memory\n");
		json_free(&req);
		return 1;
	}
	/* one line: the writer escapes every line feed in a string */
	if (asprintf(&line, "%s\n", json_text(&req)) == -1) {
		fprintf(stderr, "tuninetctl: out of memory\n");
		json_free(&req);
		return 1;
	}
	json_free(&req);
	reply = ask(path, line);
	free(line);
	if (reply == NULL)
		return 1;
	if (!json_parse(&doc, reply, strlen(reply), REPLY_VALUES, err,
	    sizeof err)) {
		fprintf(stderr, "tuninetctl: `%s': a reply that is not JSON: "
		    "%s\n", path, err);
		free(reply);
		return 1;
	}
	root = &doc.node[0];
	ok = json_get(root, "ok");
	error = json_get(root, "error");
	if (json)
		printf("%s\n", reply);
	if (ok != NULL && ok->type == JSON_TRUE) {
		if (!json)
			show(argv[optind], root);
		rc = 0;
	} else if (error != NULL && error->type == JSON_STRING)
		fprintf(stderr, "tuninetctl: %s\n", error->str);
	else
		fprintf(stderr, "tuninetctl: `%s': a reply without "
		    "\"ok\":true\n", path);
	json_doc_free(&doc);
	free(reply);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tuninetctl: writing: %s\n", strerror(errno));
		rc = 1;
	}
	return rc;
}
