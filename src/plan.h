/* plan.h: what a reload does with each watch, decided from the settings
 * alone (pure) */
#ifndef TUNINETD_PLAN_H
#define TUNINETD_PLAN_H

#include <stdbool.h>

#include "conf.h"

enum plan_kind {
	PLAN_KEEP,	/* the same settings: left as it runs */
	PLAN_TUNE,	/* only settings applied in place changed */
	PLAN_CHANGE,	/* a watch of that name is replaced */
	PLAN_ADD,	/* no watch of that name runs */
};

struct plan_item {
	struct watch_conf	*wc;		/* the new settings */
	enum plan_kind		 kind;
	int			 old;		/* the running watch it keeps,
						   tunes or replaces, or -1 */
	/* running watches the reload retires, which must have ended
	 * before this one starts: the one it replaces, those holding a
	 * resource it takes over (struct claim), those running its command
	 * (whose stop must not overlap its start) */
	int			*waits;
	int			 nwaits;
};

struct plan {
	struct plan_item	*items;		/* the new file's order */
	int			 n;
	bool			*retire;	/* by running watch: it goes */
	int			 kept, tuned, changed, added, removed;
};

void	plan_make(struct plan *, const struct watch_conf *const *running,
	    int nrunning, struct watch_conf *fresh);
void	plan_free(struct plan *);

#endif
