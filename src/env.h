/* env.h: the environment a hook runs with */
#ifndef TUNINETD_ENV_H
#define TUNINETD_ENV_H

#include <stddef.h>

/* tuninetd's own environment minus TUNINETD_*, plus ours */
struct env {
	char	**v;
	size_t	  n, cap;
	size_t	  nbase;	/* borrowed from the base environment */
};

int	env_init(struct env *, char *const *base);
int	env_set(struct env *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
const char *env_get(const struct env *, const char *name);
void	env_free(struct env *);

#endif
