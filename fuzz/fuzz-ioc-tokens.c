/*
 * fuzz-ioc-tokens.c - libFuzzer target for the token extractor and the
 * matching set: each token lies inside the line, has its type's shape, and
 * is looked up in a small set; a token that is an IOC of the set matches.
 * The fast walk must find exactly the tokens of the byte-wise reference.
 */
#include "ioc-internal.h"
#include "koban/ioc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kb_ioc_set *set;

static int tok(const kb_ioc_token *t, void *ctx)
{
	size_t size = *(size_t *)ctx;
	if (t->len == 0 || t->offset + t->len > size)
		abort();
	if ((t->type == KB_IOC_MD5 && t->len != 32) || (t->type == KB_IOC_SHA1 && t->len != 40) ||
	    (t->type == KB_IOC_SHA256 && t->len != 64))
		abort();
	kb_ioc_match_token(set, t);
	return 0;
}

struct seq {
	uint64_t h;
	size_t n;
};

static int record(const kb_ioc_token *t, void *ctx)
{
	struct seq *q = ctx;
	q->h = (q->h ^ ((uint64_t)t->type << 48 ^ (uint64_t)t->offset << 20 ^ t->len)) * 0x100000001b3ull;
	q->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seq fast = { 0xcbf29ce484222325ull, 0 }, ref = fast;
	kb_ioc_tokens((const char *)data, size, record, &fast);
	kb_ioc_tokens_bytewise((const char *)data, size, record, &ref);
	if (fast.h != ref.h || fast.n != ref.n)
		abort();
	if (!set) {
		static const char *const spec[][2] = {
			{ "ipv4", "10.0.0.0/8" }, { "ipv4", "198.51.100.7" }, { "ipv6", "2001:db8::/32" },
			{ "domain", "evil.example" }, { "url-prefix", "http://a.example/" },
			{ "md5", "d41d8cd98f00b204e9800998ecf8427e" }, { "email", "x@evil.example" },
		};
		kb_ioc_set_builder *b = NULL;
		kb_ioc_set_builder_new(&b);
		for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
			kb_ioc ioc = { .type = kb_ioc_type_named(spec[i][0]), .value = spec[i][1], .to_ids = true };
			if (kb_ioc_set_add(b, &ioc) != 0)
				abort();
		}
		kb_ioc_set_build(b, &set);
	}
	kb_ioc_tokens((const char *)data, size, tok, &size);
	kb_ioc_match_domain(set, (const char *)data, size);
	kb_ioc_match_url(set, (const char *)data, size);
	kb_ioc_match_hash(set, (const char *)data, size);
	return 0;
}
