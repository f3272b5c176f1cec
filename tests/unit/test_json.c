/* test_json: what the JSON writer writes, compared whole: commas,
 * nesting, escapes of every control byte, numbers. */
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
	json_stringf(&j, "%d-%s", 7, "z");
	json_end(&j);
	assert_string_equal(json_text(&j),
	    "[\"q\\\"b\\\\n\\nt\\tx\\u0001\\u001f\x7f\xc3\xa9\",\"7-z\"]");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
