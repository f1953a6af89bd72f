/*
 * gen-zip-seeds.c - writes the ZIP fuzz target's seeds, small archives made by
 * the tests' own writer (tests/unit/zip-test-util.h): stored and deflated
 * entries, nesting, ZIP64, a prefix, data descriptors, a fake end record in the
 * comment, the quine, an overlap bomb, encrypted and bzip2 entries, CP437 names.
 * Built with -Dfuzz=true (and for the tests as gen-zip-fixtures); run as
 * `gen-zip-seeds fuzz/seeds/zip`. The directory is created when missing.
 */
#include "zip-test-util.h"

#include <sys/stat.h>

static const char *dir;

static void save(const char *name, uint8_t *zip, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(zip, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(zip);
}

static const char text[] = "Manifest-Version: 1.0\r\nImplementation-Title: log4j-core\r\n"
                           "Implementation-Version: 2.14.1\r\n";

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-zip-seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755); /* an existing one is fine */
	size_t n;
	zt_zip w = { 0 };

	zt_add_str(&w, "META-INF/MANIFEST.MF", text, 8);
	zt_add_str(&w, "org/apache/logging/log4j/core/lookup/JndiLookup.class", "\xca\xfe\xba\xbe", 0);
	zt_add_str(&w, "dir/", "", 0);
	{ uint8_t *z_ = zt_finish(&w, "comment", 7, false, &n); save("basic.jar", z_, n); } /* n is set by the call first */

	uint8_t *inner = zt_single("pom.properties", "version=2.14.1\n", 15, 8, &n);
	for (int k = 0; k < 3; k++) {
		zt_opts o = { .method = k % 2 ? 8 : 0 };
		zt_add(&w, "lib/inner.jar", 13, inner, n, &o);
		free(inner);
		inner = zt_finish(&w, NULL, 0, false, &n);
	}
	save("nested.ear", inner, n);

	zt_opts z64 = { .method = 8, .zip64 = true };
	zt_add(&w, "big.txt", 7, text, sizeof text - 1, &z64);
	zt_opts z64d = { .zip64 = true, .descriptor = true, .descriptor_sig = true };
	zt_add(&w, "d.txt", 5, "zip64 descriptor", 16, &z64d);
	{ uint8_t *z_ = zt_finish(&w, NULL, 0, true, &n); save("zip64.zip", z_, n); } /* n is set by the call first */

	zt_add_str(&w, "Main.class", "\xca\xfe\xba\xbe", 0);
	uint8_t *plain = zt_finish(&w, NULL, 0, false, &n);
	const char sh[] = "#!/bin/sh\nexec java -jar \"$0\"\n";
	uint8_t *pre = malloc(n + sizeof sh - 1);
	memcpy(pre, sh, sizeof sh - 1);
	memcpy(pre + sizeof sh - 1, plain, n);
	free(plain);
	save("prefixed.jar", pre, n + sizeof sh - 1);

	zt_opts d1 = { .method = 8, .descriptor = true, .descriptor_sig = true };
	zt_opts d2 = { .method = 0, .descriptor = true };
	zt_add(&w, "a.txt", 5, text, sizeof text - 1, &d1);
	zt_add(&w, "b.txt", 5, "no signature", 12, &d2);
	{ uint8_t *z_ = zt_finish(&w, NULL, 0, false, &n); save("descriptors.zip", z_, n); } /* n is set by the call first */

	zt_add_str(&w, "real.txt", "real", 0);
	uint8_t comment[48] = { 'x', 'P', 'K', 5, 6 };
	comment[21] = 25; /* its comment reaches the end; no central directory where it points */
	{ uint8_t *z_ = zt_finish(&w, comment, sizeof comment, false, &n); save("fake-eocd.zip", z_, n); } /* n is set by the call first */

	{ uint8_t *z_ = zt_quine(&n); save("quine.zip", z_, n); } /* n is set by the call first */

	uint8_t junk[32] = { 1, 2, 3 };
	zt_opts enc = { .method = 8, .flags = 1, .raw = true, .crc = 1, .usize = 64 };
	zt_opts bz = { .method = 12, .raw = true, .crc = 2, .usize = 64 };
	zt_opts cp = { 0 }, utf = { .flags = 0x0800 };
	zt_add(&w, "secret", 6, junk, sizeof junk, &enc);
	zt_add(&w, "bz", 2, junk, sizeof junk, &bz);
	zt_add(&w, "caf\x82", 4, "1", 1, &cp);
	zt_add(&w, "na\xc3\xafve", 6, "2", 1, &utf);
	{ uint8_t *z_ = zt_finish(&w, NULL, 0, false, &n); save("methods-names.zip", z_, n); } /* n is set by the call first */

	zt_add_str(&w, "x", "shared", 0);
	zt_opts again = { .no_local = true, .set_offset = true, .offset = 0, .raw = true, .crc = zt_crc("shared", 6),
	                  .usize = 6 };
	for (int i = 0; i < 8; i++)
		zt_add(&w, "x", 1, "shared", 6, &again);
	{ uint8_t *z_ = zt_finish(&w, NULL, 0, false, &n); save("overlap.zip", z_, n); } /* n is set by the call first */

	{ uint8_t *z_ = zt_finish(&w, NULL, 0, false, &n); save("empty.zip", z_, n); } /* n is set by the call first */
	return 0;
}
