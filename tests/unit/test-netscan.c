/*
 * test-netscan.c - nmap XML into the store: acme's external scan, the
 * lookup the exposure report makes, vantage points, re-import, and located
 * errors.
 */
#include "koban/netscan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define SCAN KB_TEST_VECTORS "/../../examples/acme/scans/external-2026-11-20.xml"

static int setup(void **state)
{
	kb_store *s = NULL;
	if (kb_store_open(KB_STORE_MEMORY, KB_STORE_CREATE, &s, NULL) < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	kb_store_close(*state);
	return 0;
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/koban-scan-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static bool open_outside(kb_store *s, const char *a, int port, char *src, size_t n)
{
	bool yes = false;
	assert_int_equal(kb_netscan_open_outside(s, a, port, "tcp", &yes, src, n, NULL), 0);
	return yes;
}

static void test_acme(void **state)
{
	kb_store *s = *state;
	kb_netscan_stats st;
	kb_error err;
	if (kb_netscan_import_file(s, SCAN, KB_VANTAGE_EXTERNAL, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.hosts, 12);
	assert_true(st.open >= 1);
	char src[256];
	assert_true(open_outside(s, "198.51.100.20", 443, src, sizeof src)); /* bigip-dmz-03 management */
	assert_non_null(strstr(src, "external-2026-11-20.xml at 2026-11-20T09:00:00Z"));
	assert_false(open_outside(s, "198.51.100.20", 22, NULL, 0)); /* filtered */
	assert_false(open_outside(s, "10.20.0.12", 8443, NULL, 0));  /* never scanned */
	/* the same ports seen from inside do not count as outside */
	char *inside = write_tmp("<nmaprun start=\"0\"><host><address addr=\"10.20.0.11\" addrtype=\"ipv4\"/>"
	                         "<ports><port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/></port></ports>"
	                         "</host></nmaprun>");
	assert_int_equal(kb_netscan_import_file(s, inside, KB_VANTAGE_INTERNAL, &st, &err), 0);
	assert_false(open_outside(s, "10.20.0.11", 443, NULL, 0));
	unlink(inside);
	free(inside);
	/* a later external scan closing the port updates it */
	char *later = write_tmp("<nmaprun start=\"1800000000\"><host><address addr=\"198.51.100.20\" addrtype=\"ipv4\"/>"
	                        "<address addr=\"00:11:22:33:44:55\" addrtype=\"mac\"/>"
	                        "<ports><port protocol=\"tcp\" portid=\"443\"><state state=\"filtered\"/></port></ports>"
	                        "</host></nmaprun>");
	assert_int_equal(kb_netscan_import_file(s, later, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_false(open_outside(s, "198.51.100.20", 443, NULL, 0));
	unlink(later);
	free(later);
	/* a port nmap folds into <extraports> is recorded with that state too */
	char *first = write_tmp("<nmaprun start=\"1800000001\"><host><address addr=\"203.0.113.9\" addrtype=\"ipv4\"/>"
	                        "<ports><port protocol=\"tcp\" portid=\"8443\"><state state=\"open\"/></port></ports>"
	                        "</host></nmaprun>");
	assert_int_equal(kb_netscan_import_file(s, first, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_true(open_outside(s, "203.0.113.9", 8443, NULL, 0));
	char *folded = write_tmp("<nmaprun start=\"1800000002\"><host><address addr=\"203.0.113.9\" addrtype=\"ipv4\"/>"
	                         "<ports><extraports state=\"filtered\" count=\"3\"><extrareasons reason=\"no-response\""
	                         " count=\"3\" proto=\"tcp\" ports=\"22,8000-8443\"/></extraports></ports></host></nmaprun>");
	assert_int_equal(kb_netscan_import_file(s, folded, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_false(open_outside(s, "203.0.113.9", 8443, NULL, 0));
	assert_int_equal(st.ports, 1 + 444);
	/* an older scan does not undo a newer one */
	assert_int_equal(kb_netscan_import_file(s, first, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_int_equal(kb_netscan_import_file(s, first, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	char *older = write_tmp("<nmaprun start=\"1700000000\"><host><address addr=\"203.0.113.9\" addrtype=\"ipv4\"/>"
	                        "<ports><port protocol=\"tcp\" portid=\"8443\"><state state=\"open\"/></port></ports>"
	                        "</host></nmaprun>");
	assert_int_equal(kb_netscan_import_file(s, folded, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_int_equal(kb_netscan_import_file(s, older, KB_VANTAGE_EXTERNAL, &st, &err), 0);
	assert_false(open_outside(s, "203.0.113.9", 8443, NULL, 0));
	unlink(first);
	unlink(folded);
	unlink(older);
	free(first);
	free(folded);
	free(older);
}

static void expect_err(kb_store *s, const char *xml, int code, uint64_t line, const char *needle)
{
	char *p = write_tmp(xml);
	kb_netscan_stats st;
	kb_error err;
	memset(&err, 0, sizeof err);
	int r = kb_netscan_import_file(s, p, KB_VANTAGE_EXTERNAL, &st, &err);
	unlink(p);
	free(p);
	if (r != code)
		fail_msg("expected %s, got %s (%s)", kb_err_name(code), kb_err_name(r), err.msg);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_errors(void **state)
{
	kb_store *s = *state;
	expect_err(s, "<nmaprun>\n<host>\n</nmaprun>", KB_EPARSE, 3, "expected well-formed XML");
	expect_err(s, "<html><body/></html>", KB_EFORMAT, 1, "not <nmaprun>");
	expect_err(s, "", KB_EPARSE, 1, "expected well-formed XML");
	expect_err(s, "<nmaprun>\n<host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports>\n"
	              "<port protocol=\"tcp\" portid=\"99999\"><state state=\"open\"/></port></ports></host></nmaprun>",
	           KB_EINVAL, 3, "portid of 0-65535");
	/* nothing from a failed file was kept */
	expect_err(s, "<nmaprun><host><address addr=\"192.0.2.9\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
	              "portid=\"22\"><state state=\"open\"/></port>\n<port protocol=\"tcp\"></port></ports></host></nmaprun>",
	           KB_EINVAL, 2, "portid");
	assert_false(open_outside(s, "192.0.2.9", 22, NULL, 0));
	kb_vantage v;
	assert_int_equal(kb_vantage_parse("outside", &v), KB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
