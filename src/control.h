/* control.h: the control socket tuninetctl talks to */
#ifndef TUNINETD_CONTROL_H
#define TUNINETD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct control;
struct daemon;
struct json;

/* control.c: opened before -d detaches (errors refuse the start), joined
 * to the loop once it exists, moved by a reload, closed and unlinked at
 * exit */
struct control	*control_open(const char *path, const char *group, char *err,
		    size_t);
int		 control_join(struct control *, struct daemon *);
int		 control_move(struct control *, const char *path,
		    const char *group, char *err, size_t);
int		 control_take(struct control *, const char *path, int fd,
		    char *err, size_t);
int		 control_listen(const char *path, const char *group,
		    char *err, size_t);
int		 control_regroup(const char *path, const char *group,
		    char *err, size_t);
void		 control_close(struct control *);
bool		 control_group_id(const char *group, gid_t *, char *err,
		    size_t);

/* control_cmd.c: the reply to one request line, from a peer of that uid;
 * false when the line was not a request at all (the connection ends) */
bool		 control_answer(struct daemon *, const char *line, size_t len,
		    uid_t uid, pid_t pid, struct json *reply);
void		 control_refusal(struct json *, const char *msg);

#endif
