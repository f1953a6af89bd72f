/*
 * ledger-model.c - the ledger's vocabulary: asset field names and aliases,
 * the fixed sets (category, form factor, role, source), value normalisation,
 * and the inline interface syntax.
 *
 * Every reader and writer goes through these tables, so a value accepted from
 * a CSV cell, a JSON key or `ledger set` is accepted and spelled the same way.
 */
#include "koban/ledger.h"
#include "util-str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[KB_AF__COUNT] = {
	[KB_AF_NAME] = "name",
	[KB_AF_CATEGORY] = "category",
	[KB_AF_BUSINESS_OWNER] = "business_owner",
	[KB_AF_TECHNICAL_OWNER] = "technical_owner",
	[KB_AF_VENDOR] = "vendor",
	[KB_AF_PRODUCT] = "product",
	[KB_AF_VERSION] = "version",
	[KB_AF_MODULES] = "modules",
	[KB_AF_FORM_FACTOR] = "form_factor",
	[KB_AF_ENVIRONMENT] = "environment",
	[KB_AF_TAGS] = "tags",
	[KB_AF_NOTES] = "notes",
};

/* Spellings spreadsheets use for the same columns (after header folding). */
static const struct {
	const char *alias;
	kb_asset_field field;
} field_aliases[] = {
	{ "system", KB_AF_NAME },
	{ "hostname", KB_AF_NAME },
	{ "asset_name", KB_AF_NAME },
	{ "type", KB_AF_CATEGORY },
	{ "business_owner_s", KB_AF_BUSINESS_OWNER },
	{ "owner", KB_AF_BUSINESS_OWNER },
	{ "tech_owner", KB_AF_TECHNICAL_OWNER },
	{ "technical_contact", KB_AF_TECHNICAL_OWNER },
	{ "it_owner", KB_AF_TECHNICAL_OWNER },
	{ "manufacturer", KB_AF_VENDOR },
	{ "software_version", KB_AF_VERSION },
	{ "provisioned_modules", KB_AF_MODULES },
	{ "form", KB_AF_FORM_FACTOR },
	{ "platform", KB_AF_FORM_FACTOR },
	{ "env", KB_AF_ENVIRONMENT },
	{ "tag", KB_AF_TAGS },
	{ "labels", KB_AF_TAGS },
	{ "comments", KB_AF_NOTES },
	{ "note", KB_AF_NOTES },
};

const char *kb_asset_field_name(kb_asset_field f)
{
	return f < KB_AF__COUNT ? field_names[f] : "?";
}

int kb_asset_field_lookup(const char *name, kb_asset_field *ret)
{
	char *folded;
	if (kb_str_fold_header(name, &folded) < 0)
		return KB_ENOMEM;
	int r = KB_ENOTFOUND;
	for (int f = 0; f < KB_AF__COUNT && r; f++)
		if (strcmp(folded, field_names[f]) == 0) {
			*ret = (kb_asset_field)f;
			r = 0;
		}
	for (size_t i = 0; r && i < sizeof field_aliases / sizeof field_aliases[0]; i++)
		if (strcmp(folded, field_aliases[i].alias) == 0) {
			*ret = field_aliases[i].field;
			r = 0;
		}
	free(folded);
	return r;
}

struct word {
	const char *in;
	const char *out;
};

static const struct word category_words[] = {
	{ "external", "external" },
	{ "external_facing", "external" },
	{ "internet_facing", "external" },
	{ "public", "external" },
	{ "dmz", "external" },
	{ "internal", "internal" },
	{ "saas", "saas" },
	{ "software_as_a_service", "saas" },
	{ "cloud_service", "saas" },
	{ "client", "client" },
	{ "client_software", "client" },
	{ "endpoint", "client" },
	{ "desktop", "client" },
};

static const struct word form_words[] = {
	{ "hardware", "hardware" }, { "appliance", "hardware" }, { "physical", "hardware" },
	{ "virtual", "virtual" },   { "vm", "virtual" },         { "ve", "virtual" },
	{ "virtual_edition", "virtual" },
	{ "cloud", "cloud" },       { "saas", "saas" },          { "software", "software" },
	{ "application", "software" },
};

static const char *lookup_word(const struct word *w, size_t n, const char *in)
{
	char *folded;
	if (kb_str_fold_header(in, &folded) < 0)
		return NULL;
	const char *out = NULL;
	for (size_t i = 0; i < n && !out; i++)
		if (strcmp(folded, w[i].in) == 0)
			out = w[i].out;
	free(folded);
	return out;
}

int kb_asset_value_normalize(kb_asset_field f, const char *in, char **ret, kb_error *err)
{
	size_t len = 0;
	const char *t = in ? kb_str_trim(in, &len) : "";
	if (len > KB_LEDGER_MAX_FIELD_BYTES)
		return kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
		                    "%s: value is %zu bytes, longer than the limit of %u",
		                    field_names[f], len, (unsigned)KB_LEDGER_MAX_FIELD_BYTES);
	if (!len) {
		if (f == KB_AF_NAME)
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "name: expected a system name, found an empty value");
		if (f == KB_AF_CATEGORY)
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "category: expected one of external, internal, saas, client; "
			                    "found an empty value");
		*ret = NULL;
		return 0;
	}
	char *v = kb_strndup(t, len);
	if (!v)
		return KB_ENOMEM;
	int r = 0;
	const char *canon;
	switch (f) {
	case KB_AF_NAME:
		if (len > KB_LEDGER_MAX_NAME_BYTES) {
			r = kb_error_set(err, KB_ELIMIT, NULL, 0, 0, KB_NO_OFFSET,
			                 "name: %zu bytes, longer than the limit of %u", len,
			                 (unsigned)KB_LEDGER_MAX_NAME_BYTES);
			break;
		}
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
				                 "name: expected printable text, found control character 0x%02x",
				                 (unsigned char)*p);
				break;
			}
		break;
	case KB_AF_CATEGORY:
		canon = lookup_word(category_words, sizeof category_words / sizeof category_words[0], v);
		if (!canon)
			r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                 "category: expected one of external, internal, saas, client; found \"%.64s\"",
			                 v);
		else {
			/* A canonical word can be longer than its alias ("dmz" -> "external"). */
			free(v);
			v = strdup(canon);
			if (!v)
				r = KB_ENOMEM;
		}
		break;
	case KB_AF_FORM_FACTOR:
		canon = lookup_word(form_words, sizeof form_words / sizeof form_words[0], v);
		if (!canon)
			r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                 "form_factor: expected one of hardware, virtual, cloud, saas, software; "
			                 "found \"%.64s\"",
			                 v);
		else {
			free(v); /* "vm" -> "virtual": not in place */
			v = strdup(canon);
			if (!v)
				r = KB_ENOMEM;
		}
		break;
	case KB_AF_MODULES:
	case KB_AF_TAGS: {
		char *list;
		r = kb_str_normalize_list(v, f == KB_AF_MODULES, &list);
		if (r == 0) {
			free(v);
			v = list;
		}
		break;
	}
	default:
		break;
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	return 0;
}

const char *kb_role_name(kb_role r)
{
	return r == KB_ROLE_MANAGEMENT ? "management" : "service";
}

int kb_role_parse(const char *s, kb_role *ret)
{
	static const struct {
		const char *w;
		kb_role r;
	} words[] = {
		{ "management", KB_ROLE_MANAGEMENT }, { "mgmt", KB_ROLE_MANAGEMENT },
		{ "admin", KB_ROLE_MANAGEMENT },      { "service", KB_ROLE_SERVICE },
		{ "data", KB_ROLE_SERVICE },          { "traffic", KB_ROLE_SERVICE },
	};
	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i].w) == 0) {
			*ret = words[i].r;
			return 0;
		}
	return KB_EINVAL;
}

const char *kb_source_name(kb_source s)
{
	switch (s) {
	case KB_SOURCE_SBOM: return "sbom";
	case KB_SOURCE_SCAN: return "scan";
	case KB_SOURCE_DECLARED: break;
	}
	return "declared";
}

int kb_source_parse(const char *s, kb_source *ret)
{
	if (kb_str_ieq(s, "declared"))
		*ret = KB_SOURCE_DECLARED;
	else if (kb_str_ieq(s, "sbom"))
		*ret = KB_SOURCE_SBOM;
	else if (kb_str_ieq(s, "scan"))
		*ret = KB_SOURCE_SCAN;
	else
		return KB_EINVAL;
	return 0;
}

/* Split "ADDRESS[:PORT][/PROTO]" in place. IPv6 needs brackets to carry a port;
 * a bare IPv6 literal (two or more ':') is taken whole. */
static int split_endpoint(char *tok, kb_interface *it, kb_error *err)
{
	char *slash = strrchr(tok, '/');
	if (slash && !strchr(slash, ']')) {
		*slash = '\0';
		char *p = slash + 1;
		if (!*p)
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "interface \"%s/\": expected a protocol after '/'", tok);
		for (char *q = p; *q; q++) {
			if (!isalnum((unsigned char)*q) && *q != '-')
				return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
				                    "interface: expected a protocol name (tcp, udp), found \"%s\"", p);
			*q = (char)tolower((unsigned char)*q);
		}
		it->protocol = p;
	}
	char *port = NULL;
	if (tok[0] == '[') {
		char *close = strchr(tok, ']');
		if (!close)
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "interface \"%s\": expected ']' closing the IPv6 address", tok);
		*close = '\0';
		it->address = tok + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "interface: expected ':PORT' after ']', found \"%s\"", close + 1);
	} else {
		char *colon = strchr(tok, ':');
		if (colon && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			port = colon + 1;
		}
		it->address = tok;
	}
	if (!*it->address)
		return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                    "interface: expected an address, found none");
	if (port) {
		char *end;
		long v = strtol(port, &end, 10);
		if (!*port || *end || v < 1 || v > 65535)
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "interface %s: expected a port 1-65535, found \"%s\"", it->address, port);
		it->port = (int)v;
	}
	return 0;
}

int kb_interface_parse(const char *s, kb_interface *ret, char **ret_storage, kb_error *err)
{
	char *copy = strdup(s);
	if (!copy)
		return KB_ENOMEM;
	kb_interface it = { .protocol = "", .role = KB_ROLE_SERVICE };
	char *words[4];
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 3) {
			free(copy);
			return kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                    "interface \"%.80s\": expected [ROLE] ADDRESS[:PORT][/PROTO] [EXPOSURE]",
			                    s);
		}
		words[n++] = w;
	}
	int r = 0;
	int addr = -1;
	bool have_role = false, have_exposure = false;
	for (int i = 0; i < n && r == 0; i++) {
		kb_role role;
		kb_exposure e;
		if (!have_role && addr < 0 && kb_role_parse(words[i], &role) == 0) {
			it.role = role;
			have_role = true;
		} else if (addr >= 0 && !have_exposure && kb_exposure_parse(words[i], &e) == 0) {
			it.exposure = e;
			it.exposure_given = true;
			have_exposure = true;
		} else if (addr < 0) {
			addr = i;
			r = split_endpoint(words[i], &it, err);
		} else {
			r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
			                 "interface \"%.80s\": expected public, internal or unknown after the address, "
			                 "found \"%s\"",
			                 s, words[i]);
		}
	}
	if (r == 0 && addr < 0)
		r = kb_error_set(err, KB_EINVAL, NULL, 0, 0, KB_NO_OFFSET,
		                 "interface \"%.80s\": expected [ROLE] ADDRESS[:PORT][/PROTO] [EXPOSURE]", s);
	if (r < 0) {
		free(copy);
		return r;
	}
	if (!it.exposure_given)
		it.exposure = kb_net_classify(it.address);
	*ret = it;
	*ret_storage = copy;
	return 0;
}

const char *kb_ledger_format_name(kb_ledger_format f)
{
	switch (f) {
	case KB_LEDGER_FMT_CSV: return "csv";
	case KB_LEDGER_FMT_JSON: return "json";
	case KB_LEDGER_FMT_CYCLONEDX: return "cyclonedx";
	case KB_LEDGER_FMT_SPDX: return "spdx";
	case KB_LEDGER_FMT_AUTO: break;
	}
	return "auto";
}

int kb_ledger_format_parse(const char *s, kb_ledger_format *ret)
{
	static const struct {
		const char *w;
		kb_ledger_format f;
	} words[] = {
		{ "auto", KB_LEDGER_FMT_AUTO },  { "csv", KB_LEDGER_FMT_CSV },
		{ "json", KB_LEDGER_FMT_JSON },  { "koban", KB_LEDGER_FMT_JSON },
		{ "cyclonedx", KB_LEDGER_FMT_CYCLONEDX }, { "cdx", KB_LEDGER_FMT_CYCLONEDX },
		{ "spdx", KB_LEDGER_FMT_SPDX },
	};
	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (strcasecmp(s, words[i].w) == 0) {
			*ret = words[i].f;
			return 0;
		}
	return KB_EINVAL;
}
