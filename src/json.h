/* json.h: JSON text written into a growing buffer, commas and escapes
 * taken care of; for the control socket's replies, tuninetctl and
 * replay --json */
#ifndef TUNINETD_JSON_H
#define TUNINETD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH	16

struct json {
	char	*buf;
	size_t	 len, cap;
	int	 depth;
	bool	 first[JSON_DEPTH];	/* nothing written yet at this depth */
	char	 closer[JSON_DEPTH];	/* what ends the open one: } or ] */
	bool	 after_key;
	bool	 failed;		/* out of memory or too deep */
};

void	json_init(struct json *);
void	json_free(struct json *);
/* the text so far, NUL-terminated; NULL when writing it failed */
const char *json_text(const struct json *);

void	json_object(struct json *);
void	json_array(struct json *);
void	json_end(struct json *);	/* of the innermost object or array */
void	json_key(struct json *, const char *);
void	json_string(struct json *, const char *);
void	json_stringf(struct json *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	json_int(struct json *, long long);
void	json_double(struct json *, double, int decimals);
void	json_bool(struct json *, bool);
void	json_null(struct json *);

#endif
