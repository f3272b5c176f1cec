/* text.h: a line built piece by piece in a fixed buffer */
#ifndef TUNINETD_TEXT_H
#define TUNINETD_TEXT_H

#include <stddef.h>

/* text.c */
void	text_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
