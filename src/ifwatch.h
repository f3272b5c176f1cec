/* ifwatch.h: rtnetlink link notifications, for sensors whose interface may
 * come and go */
#ifndef TUNINETD_IFWATCH_H
#define TUNINETD_IFWATCH_H

#include <stdbool.h>

struct ifwatch_client {
	const char		*ifname;
	/* the interface of that name exists (with this index, and up:
	 * IFF_UP) or not */
	void			(*changed)(struct ifwatch_client *, bool exists,
				    unsigned ifindex, bool up);
	void			*arg;
	struct ifwatch_client	*next;
};

int	ifwatch_open(char *err, size_t errlen);
int	ifwatch_start(void);
void	ifwatch_add(struct ifwatch_client *);
void	ifwatch_del(struct ifwatch_client *);
void	ifwatch_close(void);

#endif
