/* test_json: what the JSON writer writes, compared whole: commas,
 * nesting, escapes of every control byte, numbers, bytes that are not
 * UTF-8. What the reader makes of good text, and that it refuses bad text
 * (each case of the grammar, the limits) with the offset of the fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static void
test_nesting(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_object(&j);
	json_key(&j, "watches");
	json_array(&j);
	json_object(&j);
	json_key(&j, "name");
	json_string(&j, "alpha");
	json_key(&j, "up");
	json_bool(&j, true);
	json_key(&j, "n");
	json_int(&j, -42);
	json_key(&j, "t");
	json_double(&j, 1000.5, 3);
	json_key(&j, "none");
	json_null(&j);
	json_key(&j, "empty");
	json_array(&j);
	json_end(&j);
	json_end(&j);
	json_object(&j);
	json_end(&j);
	json_end(&j);
	json_key(&j, "cycles");
	json_int(&j, 2);
	json_end(&j);
	assert_string_equal(json_text(&j), "{\"watches\":[{\"name\":\"alpha\","
	    "\"up\":true,\"n\":-42,\"t\":1000.500,\"none\":null,\"empty\":[]},"
	    "{}],\"cycles\":2}");
	json_free(&j);
}

static void
test_escapes(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	json_array(&j);
	json_string(&j, "q\"b\\n\nt\tx\x01\x1f\x7f\xc3\xa9");
	json_string(&j, "7-z");
	json_end(&j);
	assert_string_equal(json_text(&j),
	    "[\"q\\\"b\\\\n\\nt\\tx\\u0001\\u001f\x7f\xc3\xa9\",\"7-z\"]");
	json_free(&j);
}

static void
test_not_utf8(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	/* a stray continuation byte, an overlong '/', a cut sequence, a
	 * surrogate: each byte that is not UTF-8 becomes U+FFFD */
	json_string(&j, "a\x80" "b\xc0\xaf" "c\xe2\x82" "d\xed\xa0\x80"
	    "\xf0\x9f\x98\x80");
	assert_string_equal(json_text(&j), "\"a\\ufffdb\\ufffd\\ufffdc"
	    "\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffd\xf0\x9f\x98\x80\"");
	json_free(&j);
}

static void
test_failures(void **state)
{
	struct json j;
	int i;

	(void)state;
	json_init(&j);
	json_end(&j);				/* nothing open */
	assert_null(json_text(&j));
	json_free(&j);
	for (i = 0; i < JSON_DEPTH + 2; i++)
		json_array(&j);
	assert_null(json_text(&j));
	json_free(&j);
	assert_string_equal(json_text(&j), "");
}

static bool
parse(struct json_doc *d, const char *text, char *err, size_t len)
{
	return json_parse(d, text, strlen(text), 100, err, len);
}

static void
test_read(void **state)
{
	const char *text = " {\"command\" : \"status\", \"watches\":[\"alpha\","
	    "\"b\\u00e9ta\", \"\\ud83d\\ude00\\n\\\"\\/\"], \"count\": 20,"
	    "\"x\": {\"y\": [[], {}, null, true, false, -0.5e+2, 0]}}\r\n";
	const struct json_node *root, *w, *c, *x;
	struct json_doc d;
	char err[256];
	long long n;

	(void)state;
	assert_true(parse(&d, text, err, sizeof err));
	root = &d.node[0];
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->count, 4);
	assert_int_equal(root->span, d.n);
	assert_string_equal(json_get(root, "command")->str, "status");
	assert_null(json_get(root, "nothing"));
	w = json_get(root, "watches");
	assert_int_equal(w->type, JSON_ARRAY);
	assert_int_equal(w->count, 3);
	c = json_child(w);
	assert_string_equal(c->str, "alpha");
	c = json_next(w, c);
	assert_string_equal(c->str, "b\xc3\xa9ta");
	c = json_next(w, c);
	assert_string_equal(c->str, "\xf0\x9f\x98\x80\n\"/");
	assert_int_equal(c->len, 7);
	assert_null(json_next(w, c));
	assert_true(json_integer(json_get(root, "count"), 1, 256, &n));
	assert_int_equal(n, 20);
	assert_false(json_integer(json_get(root, "count"), 21, 256, &n));
	assert_false(json_integer(json_get(root, "command"), 0, 256, &n));
	x = json_get(json_get(root, "x"), "y");
	assert_int_equal(x->count, 7);
	c = json_child(x);
	assert_int_equal(c->type, JSON_ARRAY);
	assert_null(json_child(c));
	c = json_next(x, c);
	assert_int_equal(c->type, JSON_OBJECT);
	c = json_next(x, c);
	assert_int_equal(c->type, JSON_NULL);
	c = json_next(x, c);
	assert_int_equal(c->type, JSON_TRUE);
	c = json_next(x, c);
	assert_int_equal(c->type, JSON_FALSE);
	c = json_next(x, c);
	assert_true(c->num == -50.0);
	assert_false(json_integer(c, 0, 100, &n));
	assert_true(json_integer(c, -100, 0, &n) && n == -50);
	c = json_next(x, c);
	assert_true(c->num == 0.0);
	assert_null(json_next(x, c));
	/* a member after a nested one is found past its span */
	assert_null(json_next(root, json_get(root, "x")));
	json_doc_free(&d);

	assert_true(parse(&d, "7", err, sizeof err));
	assert_true(json_integer(&d.node[0], 0, 10, &n) && n == 7);
	json_doc_free(&d);
	assert_true(parse(&d, "1e400", err, sizeof err));
	assert_false(json_integer(&d.node[0], 0, 10, &n));
	json_doc_free(&d);
	assert_true(parse(&d, "9007199254740993123", err, sizeof err));
	assert_false(json_integer(&d.node[0], 0, 10, &n));
	json_doc_free(&d);
}

/* what the writer writes, the reader reads back */
static void
test_round_trip(void **state)
{
	struct json_doc d;
	struct json j;
	char err[256], all[160];
	int i;

	(void)state;
	for (i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = '\0';
	json_init(&j);
	json_object(&j);
	json_key(&j, "s");
	json_string(&j, all);
	json_key(&j, "bad");
	json_string(&j, "\xff");
	json_key(&j, "n");
	json_double(&j, 1764155021.125, 3);
	json_end(&j);
	assert_true(json_parse(&d, json_text(&j), strlen(json_text(&j)), 10,
	    err, sizeof err));
	assert_string_equal(json_get(&d.node[0], "s")->str, all);
	assert_string_equal(json_get(&d.node[0], "bad")->str, "\xef\xbf\xbd");
	assert_true(json_get(&d.node[0], "n")->num == 1764155021.125);
	json_doc_free(&d);
	json_free(&j);
}

static void
test_refused(void **state)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "", "at byte 0: the text ends where a value should be" },
		{ "  ", "at byte 2: the text ends" },
		{ "{", "at byte 1: expected a key" },
		{ "{\"a\"}", "at byte 4: expected `:'" },
		{ "{\"a\":1,}", "at byte 7: a comma before `}'" },
		{ "{\"a\":1 \"b\":2}", "at byte 7: expected `,' or `}'" },
		{ "{a:1}", "at byte 1: expected a key" },
		{ "{'a':1}", "at byte 1: expected a key" },
		{ "[1,]", "at byte 3: a comma before `]'" },
		{ "[1 2]", "at byte 3: expected `,' or `]'" },
		{ "[", "at byte 1: the text ends" },
		{ "01", "at byte 1: more after the value" },
		{ "1.", "at byte 2: a digit must follow the decimal point" },
		{ "1.e5", "at byte 2: a digit must follow" },
		{ "1e", "at byte 2: a digit must follow the exponent" },
		{ "-", "at byte 0: not a JSON value" },
		{ "+1", "at byte 0: not a JSON value" },
		{ ".5", "at byte 0: not a JSON value" },
		{ "NaN", "at byte 0: not a JSON value" },
		{ "Infinity", "at byte 0: not a JSON value" },
		{ "nul", "at byte 0: not a JSON value" },
		{ "truex", "at byte 4: more after the value" },
		{ "1 2", "at byte 2: more after the value" },
		{ "/* c */ 1", "at byte 0: not a JSON value" },
		{ "\"abc", "at byte 4: a string without its closing quote" },
		{ "\"a\\", "a string without its closing quote" },
		{ "\"a\tb\"", "at byte 2: a control byte 0x09" },
		{ "\"\\x\"", "at byte 2: an unknown escape \\x" },
		{ "\"\\u12\"", "\\u needs four hexadecimal digits" },
		{ "\"\\u12g4\"", "\\u needs four hexadecimal digits" },
		{ "\"\\u0000\"", "\\u0000 is not accepted" },
		{ "\"\\ud800\"", "a high surrogate without a low one" },
		{ "\"\\ud800\\u0041\"", "a high surrogate without a low one" },
		{ "\"\\udc00\"", "a low surrogate without a high one" },
		{ "\"\xff\"", "at byte 1: not UTF-8" },
		{ "\"\xc0\xaf\"", "at byte 1: not UTF-8" },
		{ "\"\xed\xa0\x80\"", "at byte 1: not UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", "at byte 1: not UTF-8" },
		{ "\"\xe2\x82\"", "at byte 1: not UTF-8" },
		{ "12345678901234567890123456789012345678901234567890123456789"
		  "0123456", "a number longer than 64 characters" },
		{ "[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]", "at byte 16: nested "
		  "deeper than 16" },
		{ "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
		  "23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,"
		  "43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,"
		  "63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,"
		  "83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99]",
		  "more than 100 values" },
	};
	struct json_doc d;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (parse(&d, bad[i].text, err, sizeof err)) {
			print_error("accepted: %s\n", bad[i].text);
			fail();
		}
		if (strstr(err, bad[i].why) == NULL) {
			print_error("%s: said `%s', not `%s'\n", bad[i].text,
			    err, bad[i].why);
			fail();
		}
		assert_null(d.node);
		assert_null(d.strings);
	}
	/* a NUL inside the text is a byte like any other: refused */
	assert_false(json_parse(&d, "\"a\0b\"", 5, 10, err, sizeof err));
	assert_non_null(strstr(err, "a control byte 0x00"));
	assert_false(json_parse(&d, "1\0", 2, 10, err, sizeof err));
	/* sixteen deep is the limit, and fine */
	assert_true(parse(&d, "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", err, sizeof err));
	json_doc_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
