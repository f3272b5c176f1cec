/* loop.h: one epoll loop; fd callbacks, CLOCK_BOOTTIME timers, signals */
#ifndef TUNINETD_LOOP_H
#define TUNINETD_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000LL

struct io {
	int	 fd;
	void	(*cb)(struct io *, uint32_t events);
	void	*arg;
};

struct timer {
	int64_t		 due;		/* CLOCK_BOOTTIME ns */
	void		(*cb)(struct timer *);
	void		*arg;
	bool		 armed;
	size_t		 slot;		/* in the heap, while armed */
};

int64_t	now_ns(void);
int64_t	ns_after(int64_t t, uint64_t seconds);
struct timespec ns_to_timespec(int64_t ns, int64_t sec_max);

int	loop_init(void);
void	timers_forget(void);
int	io_add(struct io *, uint32_t events);
int	io_mod(struct io *, uint32_t events);
void	io_del(struct io *);
void	timer_set(struct timer *, int64_t due);
void	timer_stop(struct timer *);
int	loop_signals(const int *signals, int n, void (*cb)(int signo));
int	loop_run(void);
void	loop_quit(int status);

#endif
