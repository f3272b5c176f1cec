/* tuninetctl.h: the client's parts: asking (tuninetctl.c), showing
 * (tuninetctl_show.c) */
#ifndef TUNINETD_TUNINETCTL_H
#define TUNINETD_TUNINETCTL_H

#include <stdio.h>

struct json_node;

/* a reply in text, to out; each takes the reply's root object */
void	show_status(FILE *, const struct json_node *);
void	show_why(FILE *, const struct json_node *);
void	show_events(FILE *, const struct json_node *);

#endif
