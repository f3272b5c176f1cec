/* log.h: stderr in the foreground, syslog when daemonized */
#ifndef TUNINETD_LOG_H
#define TUNINETD_LOG_H

#include <stdbool.h>

void	log_init(const char *ident, bool to_syslog);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
