/* notify.h: systemd's readiness protocol, without libsystemd */
#ifndef TUNINETD_NOTIFY_H
#define TUNINETD_NOTIFY_H

void	notify_init(void);
void	notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	notify_close(void);

#endif
