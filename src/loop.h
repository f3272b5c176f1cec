/* loop.h: one epoll loop; fd callbacks, CLOCK_MONOTONIC timers, signals */
#ifndef TUNINETD_LOOP_H
#define TUNINETD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct io {
	int	 fd;
	void	(*cb)(struct io *, uint32_t events);
	void	*arg;
};

struct timer {
	int64_t		 due;		/* CLOCK_MONOTONIC ns */
	void		(*cb)(struct timer *);
	void		*arg;
	bool		 armed;
	struct timer	*next;
};

int64_t	now_ns(void);
int	loop_init(void);
int	io_add(struct io *, uint32_t events);
int	io_mod(struct io *, uint32_t events);
void	io_del(struct io *);
void	timer_set(struct timer *, int64_t due);
void	timer_stop(struct timer *);
int	loop_signals(const int *signals, int n, void (*cb)(int signo));
int	loop_run(void);
void	loop_quit(int status);

#endif
