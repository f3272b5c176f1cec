/*
 * text.c: a line built piece by piece in a fixed buffer, as the packet
 * lines (packet_text.c), a replay's groups and tuninetctl's notes are:
 * what does not fit is cut, and the pieces after it add nothing.
 */
#include <stdarg.h>
#include <stdio.h>

#include "text.h"

/* printf at *off in buf, never past len; *off stays on the NUL */
void
text_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < len ? *off + (size_t)n : len - 1;
}
