/* json.h: JSON text written into a growing buffer, commas and escapes
 * taken care of, for the control socket's replies, tuninetctl and replay
 * --json; and JSON text read into a tree, strictly and within bounds,
 * for the control socket's requests and tuninetctl's replies */
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
void	json_int(struct json *, long long);
void	json_double(struct json *, double, int decimals);
void	json_bool(struct json *, bool);
void	json_null(struct json *);

/* Reading. The tree is one array of nodes in document order: a node's
 * children follow it, and span counts it and all it holds, so the next
 * sibling of c is c + c->span. */
enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT };

struct json_node {
	enum json_type	 type;
	int		 span;		/* this node and its descendants */
	int		 count;		/* an array's items, an object's members */
	const char	*key;		/* a member's key, or NULL */
	const char	*str;		/* a string, unescaped, NUL-terminated */
	size_t		 len;		/* its length */
	double		 num;
};

struct json_doc {
	struct json_node *node;		/* node[0] is the whole text's value */
	int		  n, cap;
	char		 *strings;	/* every key and string, unescaped */
};

bool	json_parse(struct json_doc *, const char *text, size_t len,
	    int max_nodes, char *err, size_t errlen);
void	json_doc_free(struct json_doc *);
const struct json_node *json_get(const struct json_node *object,
	    const char *key);
const struct json_node *json_child(const struct json_node *);
const struct json_node *json_next(const struct json_node *parent,
	    const struct json_node *child);
bool	json_integer(const struct json_node *, long long min, long long max,
	    long long *out);
const char *json_type_name(enum json_type);

/* the length of the valid UTF-8 sequence at s, or 0 (json.c) */
size_t	json_utf8_len(const unsigned char *s, size_t avail);

#endif
