/*
 * test-ledger-model.c - the ledger vocabulary (src/lib/ledger-model.c): field
 * names and aliases, value normalisation and its limits, the inline interface
 * syntax, and the role / source / format words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/koban.h"
#include "koban/ledger.h"
#include "koban/net.h"

/* ------------------------------------------------------------- field names */

static void test_field_names(void **state)
{
	(void)state;
	static const char *const want[KB_AF__COUNT] = {
		"name",    "category", "business_owner", "technical_owner", "vendor", "product",
		"version", "modules",  "form_factor",    "environment",     "tags",   "notes",
	};
	for (int f = 0; f < KB_AF__COUNT; f++) {
		assert_string_equal(kb_asset_field_name((kb_asset_field)f), want[f]);
		/* Every canonical name looks up to itself. */
		kb_asset_field got = KB_AF__COUNT;
		assert_int_equal(kb_asset_field_lookup(want[f], &got), 0);
		assert_int_equal(got, f);
	}
	assert_string_equal(kb_asset_field_name(KB_AF__COUNT), "?");
	assert_int_equal(KB_AF_ALL, 0xfff);
}

static void test_field_lookup_aliases(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		kb_asset_field want;
	} cases[] = {
		{ "Business Owner", KB_AF_BUSINESS_OWNER },
		{ "business-owner", KB_AF_BUSINESS_OWNER },
		{ "Business Owner(s)", KB_AF_BUSINESS_OWNER },
		{ "Owner", KB_AF_BUSINESS_OWNER },
		{ "tech_owner", KB_AF_TECHNICAL_OWNER },
		{ "  Tech-Owner  ", KB_AF_TECHNICAL_OWNER },
		{ "Technical Owner", KB_AF_TECHNICAL_OWNER },
		{ "IT Owner", KB_AF_TECHNICAL_OWNER },
		{ "Hostname", KB_AF_NAME },
		{ "System", KB_AF_NAME },
		{ "Asset Name", KB_AF_NAME },
		{ "\xEF\xBB\xBFName", KB_AF_NAME },
		{ "env", KB_AF_ENVIRONMENT },
		{ "ENVIRONMENT", KB_AF_ENVIRONMENT },
		{ "Type", KB_AF_CATEGORY },
		{ "Manufacturer", KB_AF_VENDOR },
		{ "Software Version", KB_AF_VERSION },
		{ "Provisioned Modules", KB_AF_MODULES },
		{ "Form Factor", KB_AF_FORM_FACTOR },
		{ "Platform", KB_AF_FORM_FACTOR },
		{ "Labels", KB_AF_TAGS },
		{ "Tag", KB_AF_TAGS },
		{ "Comments", KB_AF_NOTES },
		{ "Note", KB_AF_NOTES },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kb_asset_field got = KB_AF__COUNT;
		int r = kb_asset_field_lookup(cases[i].name, &got);
		if (r != 0 || got != cases[i].want)
			print_error("lookup \"%s\": r=%d field=%d, expected %d\n", cases[i].name, r, (int)got,
			            (int)cases[i].want);
		assert_int_equal(r, 0);
		assert_int_equal(got, cases[i].want);
	}
}

static void test_field_lookup_unknown(void **state)
{
	(void)state;
	const char *bad[] = { "IP Address", "", "   ", "names", "owners", "technical", "xyz", "id" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kb_asset_field got = (kb_asset_field)99;
		assert_int_equal(kb_asset_field_lookup(bad[i], &got), KB_ENOTFOUND);
		assert_int_equal(got, 99); /* untouched */
	}
}

/* ------------------------------------------------------- value normalisation */

static void check_norm(kb_asset_field f, const char *in, const char *want)
{
	char *out = (char *)0x1;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_asset_value_normalize(f, in, &out, &err);
	if (r != 0)
		print_error("normalize %s \"%s\": %d %s\n", kb_asset_field_name(f), in ? in : "(null)", r, err.msg);
	assert_int_equal(r, 0);
	if (!want) {
		assert_null(out);
	} else {
		assert_non_null(out);
		assert_string_equal(out, want);
		free(out);
	}
}

static void check_norm_fails(kb_asset_field f, const char *in, int code, const char *msg_part)
{
	char *out = (char *)0x1;
	kb_error err;
	kb_error_clear(&err);
	assert_int_equal(kb_asset_value_normalize(f, in, &out, &err), code);
	assert_ptr_equal(out, (char *)0x1); /* untouched */
	assert_int_equal(err.code, code);
	/* No location: the caller adds it. */
	assert_string_equal(err.file, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_true(err.offset == KB_NO_OFFSET);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	/* A NULL error is allowed too. */
	assert_int_equal(kb_asset_value_normalize(f, in, &out, NULL), code);
	assert_ptr_equal(out, (char *)0x1);
}

static void test_normalize_category(void **state)
{
	(void)state;
	check_norm(KB_AF_CATEGORY, "external", "external");
	check_norm(KB_AF_CATEGORY, "External-Facing", "external");
	check_norm(KB_AF_CATEGORY, "Internet Facing", "external");
	check_norm(KB_AF_CATEGORY, "public", "external");
	check_norm(KB_AF_CATEGORY, "DMZ", "external");
	check_norm(KB_AF_CATEGORY, "  internal  ", "internal");
	check_norm(KB_AF_CATEGORY, "SaaS", "saas");
	check_norm(KB_AF_CATEGORY, "Software as a Service", "saas");
	check_norm(KB_AF_CATEGORY, "cloud service", "saas");
	check_norm(KB_AF_CATEGORY, "client software", "client");
	check_norm(KB_AF_CATEGORY, "Client", "client");
	check_norm(KB_AF_CATEGORY, "endpoint", "client");
	check_norm(KB_AF_CATEGORY, "desktop", "client");
}

static void test_normalize_category_bad(void **state)
{
	(void)state;
	check_norm_fails(KB_AF_CATEGORY, "mainframe", KB_EINVAL,
	                 "category: expected one of external, internal, saas, client; found \"mainframe\"");
	check_norm_fails(KB_AF_CATEGORY, "extern", KB_EINVAL, "external, internal, saas, client");
	check_norm_fails(KB_AF_CATEGORY, "", KB_EINVAL,
	                 "category: expected one of external, internal, saas, client; found an empty value");
	check_norm_fails(KB_AF_CATEGORY, "   ", KB_EINVAL, "found an empty value");
	check_norm_fails(KB_AF_CATEGORY, NULL, KB_EINVAL, "found an empty value");
}

static void test_normalize_name(void **state)
{
	(void)state;
	check_norm(KB_AF_NAME, "  web-1  ", "web-1");
	check_norm(KB_AF_NAME, "Big IP (DMZ)", "Big IP (DMZ)");
	check_norm(KB_AF_NAME, "caf\xC3\xA9", "caf\xC3\xA9"); /* UTF-8 is fine */
	check_norm_fails(KB_AF_NAME, "", KB_EINVAL, "name: expected a system name, found an empty value");
	check_norm_fails(KB_AF_NAME, " \t ", KB_EINVAL, "found an empty value");
	check_norm_fails(KB_AF_NAME, NULL, KB_EINVAL, "found an empty value");
}

static void test_normalize_name_control(void **state)
{
	(void)state;
	check_norm_fails(KB_AF_NAME, "web\x01" "1", KB_EINVAL,
	                 "name: expected printable text, found control character 0x01");
	check_norm_fails(KB_AF_NAME, "web\t1", KB_EINVAL, "control character 0x09");
	check_norm_fails(KB_AF_NAME, "web\n1", KB_EINVAL, "control character 0x0a");
	check_norm_fails(KB_AF_NAME, "\x1b[31mred", KB_EINVAL, "control character 0x1b");
	/* Other fields may hold newlines (notes). */
	check_norm(KB_AF_NOTES, "line one\nline two", "line one\nline two");
}

static void test_normalize_empty_other_fields(void **state)
{
	(void)state;
	const kb_asset_field fields[] = {
		KB_AF_BUSINESS_OWNER, KB_AF_TECHNICAL_OWNER, KB_AF_VENDOR, KB_AF_PRODUCT,
		KB_AF_VERSION,        KB_AF_MODULES,         KB_AF_FORM_FACTOR, KB_AF_ENVIRONMENT,
		KB_AF_TAGS,           KB_AF_NOTES,
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		check_norm(fields[i], "", NULL);
		check_norm(fields[i], "  \t\r\n ", NULL);
		check_norm(fields[i], NULL, NULL);
	}
	/* A list of only separators is empty too. */
	check_norm(KB_AF_MODULES, " , ; ", NULL);
	check_norm(KB_AF_TAGS, ";;", NULL);
}

static void test_normalize_plain_fields(void **state)
{
	(void)state;
	check_norm(KB_AF_VENDOR, "  F5 Networks  ", "F5 Networks");
	check_norm(KB_AF_VERSION, "17.1.0", "17.1.0");
	check_norm(KB_AF_BUSINESS_OWNER, "Jane Doe", "Jane Doe");
	check_norm(KB_AF_ENVIRONMENT, "Prod", "Prod"); /* not case-folded */
}

static void test_normalize_form_factor(void **state)
{
	(void)state;
	check_norm(KB_AF_FORM_FACTOR, "VE", "virtual");
	check_norm(KB_AF_FORM_FACTOR, "vm", "virtual");
	check_norm(KB_AF_FORM_FACTOR, "Virtual Edition", "virtual");
	check_norm(KB_AF_FORM_FACTOR, "virtual", "virtual");
	check_norm(KB_AF_FORM_FACTOR, "appliance", "hardware");
	check_norm(KB_AF_FORM_FACTOR, "Physical", "hardware");
	check_norm(KB_AF_FORM_FACTOR, "HARDWARE", "hardware");
	check_norm(KB_AF_FORM_FACTOR, "cloud", "cloud");
	check_norm(KB_AF_FORM_FACTOR, "SaaS", "saas");
	check_norm(KB_AF_FORM_FACTOR, "application", "software");
	check_norm_fails(KB_AF_FORM_FACTOR, "blade", KB_EINVAL,
	                 "form_factor: expected one of hardware, virtual, cloud, saas, software; found \"blade\"");
}

static void test_normalize_lists(void **state)
{
	(void)state;
	check_norm(KB_AF_MODULES, "LTM, apm;ASM", "APM,ASM,LTM");
	check_norm(KB_AF_MODULES, "ltm,LTM", "LTM");
	check_norm(KB_AF_MODULES, " gtm ", "GTM");
	check_norm(KB_AF_TAGS, "pci, Prod; pci", "Prod,pci");
	check_norm(KB_AF_TAGS, "b,a", "a,b");
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_normalize_limits(void **state)
{
	(void)state;
	/* Any field: exactly the limit is fine, one more byte is not. */
	char *ok = repeat('n', KB_LEDGER_MAX_FIELD_BYTES);
	char *out = NULL;
	assert_int_equal(kb_asset_value_normalize(KB_AF_NOTES, ok, &out, NULL), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), KB_LEDGER_MAX_FIELD_BYTES);
	free(out);
	free(ok);

	char *big = repeat('n', KB_LEDGER_MAX_FIELD_BYTES + 1);
	char want[128];
	snprintf(want, sizeof want, "notes: value is %u bytes, longer than the limit of %u",
	         (unsigned)KB_LEDGER_MAX_FIELD_BYTES + 1, (unsigned)KB_LEDGER_MAX_FIELD_BYTES);
	check_norm_fails(KB_AF_NOTES, big, KB_ELIMIT, want);
	check_norm_fails(KB_AF_VENDOR, big, KB_ELIMIT, "vendor: value is");
	check_norm_fails(KB_AF_CATEGORY, big, KB_ELIMIT, "category: value is");
	check_norm_fails(KB_AF_NAME, big, KB_ELIMIT, "name: value is");
	free(big);

	/* Surrounding white space does not count against the limit. */
	char *padded = malloc(KB_LEDGER_MAX_FIELD_BYTES + 11);
	assert_non_null(padded);
	memset(padded, ' ', KB_LEDGER_MAX_FIELD_BYTES + 10);
	memset(padded + 5, 'p', KB_LEDGER_MAX_FIELD_BYTES);
	padded[KB_LEDGER_MAX_FIELD_BYTES + 10] = '\0';
	out = NULL;
	assert_int_equal(kb_asset_value_normalize(KB_AF_PRODUCT, padded, &out, NULL), 0);
	assert_int_equal(strlen(out), KB_LEDGER_MAX_FIELD_BYTES);
	free(out);
	free(padded);
}

static void test_normalize_name_limit(void **state)
{
	(void)state;
	char *ok = repeat('a', KB_LEDGER_MAX_NAME_BYTES);
	check_norm(KB_AF_NAME, ok, ok);
	free(ok);
	char *big = repeat('a', KB_LEDGER_MAX_NAME_BYTES + 1);
	check_norm_fails(KB_AF_NAME, big, KB_ELIMIT, "name: 256 bytes, longer than the limit of 255");
	free(big);
	/* The name limit is for names only. */
	char *vendor = repeat('v', KB_LEDGER_MAX_NAME_BYTES + 1);
	check_norm(KB_AF_VENDOR, vendor, vendor);
	free(vendor);
}

/* ------------------------------------------------------------- interfaces */

typedef struct iface_want {
	const char *in;
	kb_role role;
	const char *address;
	int port;
	const char *protocol;
	kb_exposure exposure;
	bool exposure_given;
} iface_want;

static void check_iface(const iface_want *w)
{
	kb_interface it;
	memset(&it, 0xab, sizeof it);
	char *storage = NULL;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_interface_parse(w->in, &it, &storage, &err);
	if (r != 0)
		print_error("parse \"%s\": %d %s\n", w->in, r, err.msg);
	assert_int_equal(r, 0);
	assert_non_null(storage);
	assert_int_equal(it.role, w->role);
	assert_string_equal(it.address, w->address);
	assert_int_equal(it.port, w->port);
	assert_string_equal(it.protocol, w->protocol);
	assert_int_equal(it.exposure, w->exposure);
	assert_int_equal(it.exposure_given, w->exposure_given);
	assert_int_equal(it.id, 0);
	assert_null(it.asset);
	free(storage);
}

static void test_interface_parse(void **state)
{
	(void)state;
	static const iface_want cases[] = {
		{ "management 203.0.113.5:443/tcp", KB_ROLE_MANAGEMENT, "203.0.113.5", 443, "tcp", KB_EXPOSURE_PUBLIC,
		  false },
		{ "10.0.0.1", KB_ROLE_SERVICE, "10.0.0.1", 0, "", KB_EXPOSURE_INTERNAL, false },
		{ "[2001:db8::1]:22/tcp internal", KB_ROLE_SERVICE, "2001:db8::1", 22, "tcp", KB_EXPOSURE_INTERNAL,
		  true },
		{ "mgmt fe80::1", KB_ROLE_MANAGEMENT, "fe80::1", 0, "", KB_EXPOSURE_INTERNAL, false },
		{ "  service\t8.8.8.8:53/UDP  ", KB_ROLE_SERVICE, "8.8.8.8", 53, "udp", KB_EXPOSURE_PUBLIC, false },
		{ "admin 10.1.1.1:65535 public", KB_ROLE_MANAGEMENT, "10.1.1.1", 65535, "", KB_EXPOSURE_PUBLIC, true },
		{ "10.1.1.1:1/sctp", KB_ROLE_SERVICE, "10.1.1.1", 1, "sctp", KB_EXPOSURE_INTERNAL, false },
		{ "data 192.0.2.10/tcp Unknown", KB_ROLE_SERVICE, "192.0.2.10", 0, "tcp", KB_EXPOSURE_UNKNOWN, true },
		{ "[2001:db8::1]", KB_ROLE_SERVICE, "2001:db8::1", 0, "", KB_EXPOSURE_PUBLIC, false },
		{ "[2001:db8::1]/udp", KB_ROLE_SERVICE, "2001:db8::1", 0, "udp", KB_EXPOSURE_PUBLIC, false },
		{ "2001:db8::1", KB_ROLE_SERVICE, "2001:db8::1", 0, "", KB_EXPOSURE_PUBLIC, false },
		{ "[fe80::1%eth0]:830", KB_ROLE_SERVICE, "fe80::1%eth0", 830, "", KB_EXPOSURE_INTERNAL, false },
		{ "mgmt bigip.example.com:8443/tcp", KB_ROLE_MANAGEMENT, "bigip.example.com", 8443, "tcp",
		  KB_EXPOSURE_UNKNOWN, false },
		{ "bigip.example.com private", KB_ROLE_SERVICE, "bigip.example.com", 0, "", KB_EXPOSURE_INTERNAL,
		  true },
		/* A role word after the role is the address (a host named "mgmt"). */
		{ "mgmt mgmt", KB_ROLE_MANAGEMENT, "mgmt", 0, "", KB_EXPOSURE_UNKNOWN, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_iface(&cases[i]);
}

static void check_iface_fails(const char *in, const char *msg_part)
{
	kb_interface it;
	memset(&it, 0xab, sizeof it);
	kb_interface before;
	memcpy(&before, &it, sizeof before);
	char *storage = (char *)0x1;
	kb_error err;
	kb_error_clear(&err);
	int r = kb_interface_parse(in, &it, &storage, &err);
	if (r != KB_EINVAL)
		print_error("parse \"%s\": expected KB_EINVAL, got %d\n", in, r);
	assert_int_equal(r, KB_EINVAL);
	assert_int_equal(err.code, KB_EINVAL);
	assert_true(err.msg[0] != '\0');
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("parse \"%s\": message \"%s\" lacks \"%s\"", in, err.msg, msg_part);
	assert_ptr_equal(storage, (char *)0x1);
	assert_memory_equal(&it, &before, sizeof it);
	/* NULL error: same code, no crash. */
	assert_int_equal(kb_interface_parse(in, &it, &storage, NULL), KB_EINVAL);
	assert_ptr_equal(storage, (char *)0x1);
}

static void test_interface_parse_bad_port(void **state)
{
	(void)state;
	check_iface_fails("1.2.3.4:70000", "interface 1.2.3.4: expected a port 1-65535, found \"70000\"");
	check_iface_fails("1.2.3.4:65536", "found \"65536\"");
	check_iface_fails("1.2.3.4:0", "found \"0\"");
	check_iface_fails("1.2.3.4:-1", "found \"-1\"");
	check_iface_fails("1.2.3.4:abc", "found \"abc\"");
	check_iface_fails("1.2.3.4:", "expected a port 1-65535");
	check_iface_fails("1.2.3.4:22x", "found \"22x\"");
	check_iface_fails("1.2.3.4:99999999999999999999", "expected a port");
	check_iface_fails("[2001:db8::1]:", "expected a port");
	check_iface_fails("[2001:db8::1]:70000/tcp", "found \"70000\"");
}

static void test_interface_parse_bad_syntax(void **state)
{
	(void)state;
	check_iface_fails("[::1", "expected ']' closing the IPv6 address");
	check_iface_fails("[::1]x", "expected ':PORT' after ']'");
	check_iface_fails("[]:22", "expected an address");
	check_iface_fails(":22", "expected an address");
	check_iface_fails("1.2.3.4/", "expected a protocol after '/'");
	check_iface_fails("1.2.3.4/t_cp", "expected a protocol name");
	check_iface_fails("", "expected [ROLE] ADDRESS[:PORT][/PROTO] [EXPOSURE]");
	check_iface_fails("   ", "expected [ROLE] ADDRESS");
	check_iface_fails("mgmt", "expected [ROLE] ADDRESS");
	/* Too many words. */
	check_iface_fails("mgmt 10.0.0.1:22/tcp internal extra", "expected [ROLE] ADDRESS");
	check_iface_fails("a b c d e f", "expected [ROLE] ADDRESS");
	/* A trailing word that is not an exposure. */
	check_iface_fails("10.0.0.1 sideways", "expected public, internal or unknown after the address, found \"sideways\"");
	check_iface_fails("10.0.0.1 public internal", "found \"internal\"");
	check_iface_fails("10.0.0.1 mgmt", "found \"mgmt\"");
	check_iface_fails("10.0.0.1 10.0.0.2", "found \"10.0.0.2\"");
}

/* ------------------------------------------------------ roles, sources, formats */

static void test_role(void **state)
{
	(void)state;
	static const struct {
		const char *w;
		kb_role r;
	} ok[] = {
		{ "management", KB_ROLE_MANAGEMENT }, { "MGMT", KB_ROLE_MANAGEMENT }, { "admin", KB_ROLE_MANAGEMENT },
		{ "service", KB_ROLE_SERVICE },       { "Data", KB_ROLE_SERVICE },    { "traffic", KB_ROLE_SERVICE },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		kb_role r = (kb_role)7;
		assert_int_equal(kb_role_parse(ok[i].w, &r), 0);
		assert_int_equal(r, ok[i].r);
	}
	const char *bad[] = { "", "manage", "services", "mgmt ", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kb_role r = (kb_role)7;
		assert_int_equal(kb_role_parse(bad[i], &r), KB_EINVAL);
		assert_int_equal(r, 7);
	}
	assert_string_equal(kb_role_name(KB_ROLE_MANAGEMENT), "management");
	assert_string_equal(kb_role_name(KB_ROLE_SERVICE), "service");
	/* Names parse back. */
	kb_role r;
	assert_int_equal(kb_role_parse(kb_role_name(KB_ROLE_MANAGEMENT), &r), 0);
	assert_int_equal(r, KB_ROLE_MANAGEMENT);
	assert_int_equal(kb_role_parse(kb_role_name(KB_ROLE_SERVICE), &r), 0);
	assert_int_equal(r, KB_ROLE_SERVICE);
}

static void test_source(void **state)
{
	(void)state;
	assert_string_equal(kb_source_name(KB_SOURCE_DECLARED), "declared");
	assert_string_equal(kb_source_name(KB_SOURCE_SBOM), "sbom");
	assert_string_equal(kb_source_name(KB_SOURCE_SCAN), "scan");
	const kb_source all[] = { KB_SOURCE_DECLARED, KB_SOURCE_SBOM, KB_SOURCE_SCAN };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		kb_source s = (kb_source)9;
		assert_int_equal(kb_source_parse(kb_source_name(all[i]), &s), 0);
		assert_int_equal(s, all[i]);
	}
	kb_source s = (kb_source)9;
	assert_int_equal(kb_source_parse("SBOM", &s), 0);
	assert_int_equal(s, KB_SOURCE_SBOM);
	assert_int_equal(kb_source_parse("Declared", &s), 0);
	assert_int_equal(s, KB_SOURCE_DECLARED);
	const char *bad[] = { "", "sboms", "manual", " scan", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = (kb_source)9;
		assert_int_equal(kb_source_parse(bad[i], &s), KB_EINVAL);
		assert_int_equal(s, 9);
	}
}

static void test_ledger_format(void **state)
{
	(void)state;
	static const struct {
		kb_ledger_format f;
		const char *name;
	} names[] = {
		{ KB_LEDGER_FMT_AUTO, "auto" },           { KB_LEDGER_FMT_CSV, "csv" },
		{ KB_LEDGER_FMT_JSON, "json" },           { KB_LEDGER_FMT_CYCLONEDX, "cyclonedx" },
		{ KB_LEDGER_FMT_SPDX, "spdx" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_string_equal(kb_ledger_format_name(names[i].f), names[i].name);
		kb_ledger_format f = (kb_ledger_format)42;
		assert_int_equal(kb_ledger_format_parse(names[i].name, &f), 0);
		assert_int_equal(f, names[i].f);
	}
	static const struct {
		const char *w;
		kb_ledger_format f;
	} aliases[] = {
		{ "koban", KB_LEDGER_FMT_JSON },      { "JSON", KB_LEDGER_FMT_JSON },
		{ "cdx", KB_LEDGER_FMT_CYCLONEDX },   { "CycloneDX", KB_LEDGER_FMT_CYCLONEDX },
		{ "SPDX", KB_LEDGER_FMT_SPDX },       { "CSV", KB_LEDGER_FMT_CSV },
		{ "Auto", KB_LEDGER_FMT_AUTO },
	};
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		kb_ledger_format f = (kb_ledger_format)42;
		assert_int_equal(kb_ledger_format_parse(aliases[i].w, &f), 0);
		assert_int_equal(f, aliases[i].f);
	}
	const char *bad[] = { "", "xml", "xlsx", "spdx-json", "cyclone", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kb_ledger_format f = (kb_ledger_format)42;
		assert_int_equal(kb_ledger_format_parse(bad[i], &f), KB_EINVAL);
		assert_int_equal(f, 42);
	}
	assert_string_equal(kb_ledger_format_name((kb_ledger_format)42), "auto");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_field_lookup_aliases),
		cmocka_unit_test(test_field_lookup_unknown),
		cmocka_unit_test(test_normalize_category),
		cmocka_unit_test(test_normalize_category_bad),
		cmocka_unit_test(test_normalize_name),
		cmocka_unit_test(test_normalize_name_control),
		cmocka_unit_test(test_normalize_empty_other_fields),
		cmocka_unit_test(test_normalize_plain_fields),
		cmocka_unit_test(test_normalize_form_factor),
		cmocka_unit_test(test_normalize_lists),
		cmocka_unit_test(test_normalize_limits),
		cmocka_unit_test(test_normalize_name_limit),
		cmocka_unit_test(test_interface_parse),
		cmocka_unit_test(test_interface_parse_bad_port),
		cmocka_unit_test(test_interface_parse_bad_syntax),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_ledger_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
