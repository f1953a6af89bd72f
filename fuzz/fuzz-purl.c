/*
 * fuzz-purl.c - libFuzzer target for the purl parser.
 *
 * Parses the input; when it parses, formats it, parses the formatted string
 * again and checks that formatting that gives the same string (normalisation
 * is idempotent), and that kb_purl_build() from the parsed parts agrees. The
 * same bytes are also split into components for kb_purl_build() (see
 * fuzz_build()), whose result must survive format -> parse -> format.
 * Everything is freed, so LeakSanitizer reports any leak. A failed parse must
 * come with a known code and a message.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *         fuzz/fuzz-purl.c src/lib/purl.c src/lib/util-error.c -o /tmp/fuzz-purl
 *   /tmp/fuzz-purl -max_total_time=300 /tmp/purl-corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "koban/purl.h"

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The same input read as components for kb_purl_build(): fields separated by
 * 0x01 are type, namespace, name, version, subpath, then key, value pairs
 * (an empty optional field means NULL). When the build succeeds its canonical
 * form must parse back to the same canonical form.
 */
#define FUZZ_MAX_FIELDS (5 + 2 * (KB_PURL_MAX_QUALIFIERS + 1))

static void fuzz_build(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *field[FUZZ_MAX_FIELDS] = { 0 };
	size_t n = 0;
	char *s = copy;
	while (n < FUZZ_MAX_FIELDS) {
		field[n++] = s;
		char *sep = memchr(s, 0x01, (size_t)(copy + size - s));
		if (!sep)
			break;
		*sep = '\0';
		s = sep + 1;
	}
	for (size_t i = 1; i < 5; i++)
		if (field[i] && !*field[i] && i != 2)
			field[i] = NULL;
	kb_purl_qualifier q[KB_PURL_MAX_QUALIFIERS + 1];
	size_t nq = 0;
	for (size_t i = 5; i + 1 < n; i += 2, nq++) {
		q[nq].key = field[i];
		q[nq].value = field[i + 1];
	}

	kb_error err = { 0 };
	kb_purl *p = NULL;
	int r = kb_purl_build(field[0], field[1], field[2], field[3], nq ? q : NULL, nq, field[4],
	                      &p, &err);
	if (r == 0) {
		char *first = NULL, *second = NULL;
		kb_purl *again = NULL;
		CHECK(kb_purl_format(p, &first) == 0);
		r = kb_purl_parse(first, strlen(first), &again, &err);
		if (r != 0)
			fprintf(stderr, "parse of built \"%s\" failed: %s\n", first, err.msg);
		CHECK(r == 0);
		CHECK(kb_purl_format(again, &second) == 0);
		if (strcmp(first, second) != 0)
			fprintf(stderr, "built purl not stable:\n  %s\n  %s\n", first, second);
		CHECK(strcmp(first, second) == 0);
		free(first);
		free(second);
		kb_purl_free(again);
		kb_purl_free(p);
	} else {
		CHECK(p == NULL);
		CHECK(err.code == r && err.msg[0] != '\0');
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_build(data, size);

	kb_error err = { 0 };
	kb_purl *p = NULL;
	int r = kb_purl_parse((const char *)data, size, &p, &err);
	if (r != 0) {
		CHECK(r == KB_EPARSE || r == KB_EINVAL || r == KB_ELIMIT || r == KB_ENOMEM);
		CHECK(p == NULL);
		CHECK(err.code == r && err.msg[0] != '\0');
		return 0;
	}

	char *first = NULL, *second = NULL, *third = NULL;
	CHECK(kb_purl_format(p, &first) == 0);
	CHECK(strlen(first) <= KB_PURL_MAX_LEN);

	kb_purl *again = NULL;
	r = kb_purl_parse(first, strlen(first), &again, &err);
	if (r != 0)
		fprintf(stderr, "re-parse of \"%s\" failed: %s\n", first, err.msg);
	CHECK(r == 0);
	CHECK(kb_purl_format(again, &second) == 0);
	if (strcmp(first, second) != 0)
		fprintf(stderr, "not idempotent:\n  %s\n  %s\n", first, second);
	CHECK(strcmp(first, second) == 0);

	/* Building from the parsed parts gives the same canonical string. */
	kb_purl *built = NULL;
	r = kb_purl_build(p->type, p->namespace_, p->name, p->version, p->qualifiers,
	                  p->n_qualifiers, p->subpath, &built, &err);
	if (r != 0)
		fprintf(stderr, "build from parts of \"%s\" failed: %s\n", first, err.msg);
	CHECK(r == 0);
	CHECK(kb_purl_format(built, &third) == 0);
	if (strcmp(first, third) != 0)
		fprintf(stderr, "build differs:\n  %s\n  %s\n", first, third);
	CHECK(strcmp(first, third) == 0);

	char *name = NULL;
	CHECK(kb_purl_package_name(p, &name) == 0);
	CHECK(kb_purl_ecosystem(p) != NULL);

	free(name);
	free(first);
	free(second);
	free(third);
	kb_purl_free(built);
	kb_purl_free(again);
	kb_purl_free(p);
	return 0;
}
