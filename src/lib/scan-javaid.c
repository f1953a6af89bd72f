/*
 * scan-javaid.c - Java library identification in one archive level (see
 * javaid.h for the contract and the verdict rules).
 *
 * One walk over the central directory (re-parsing it costs as much as the
 * reader's own validation, so it is done once):
 *   - a class that defines a copy creates it. A copy is (family, root):
 *     log4j-core roots from <root>lookup/JndiLookup, <root>net/JndiManager
 *     and, for copies with both removed, <root>LoggerContext or <root>Logger
 *     where the root ends in "log4j/core/"; log4j 1.x roots from <root>Logger
 *     with the root ending in "org/apache/log4j/"; logback roots from
 *     "ch/qos/logback/classic/LoggerContext". A root has any
 *     "META-INF/versions/N/" part removed. Copies live in an array in the
 *     order they were found, indexed by a map from (family, root).
 *   - a class that refines a verdict (DataSourceConnectionSource, SetUtils,
 *     NoSqlAppender; log4j 1.x's SocketServer, JMSAppender, JMSSink,
 *     JDBCAppender, JdbcPatternParser, HardenedObjectInputStream, chainsaw/,
 *     Category) is given to its copy, or kept pending until the walk ends
 *     when the copy has not been met yet (central directories need not be
 *     sorted);
 *   - every pom.properties is read, parsed and reported at once as a Maven
 *     artifact; those of the Log4j family are kept, and so are manifests.
 * Then each copy is judged: its classes are read (kb_zip_read, at most
 * KB_JAVAID_MAX_CLASS_BYTES each), hashed with SHA-256 and searched for
 * markers; pom.properties and manifests are given to the copy that owns
 * them; the version evidence is turned into spans of versions and the CVE
 * rules below into a verdict.
 *
 * Ownership of a pom.properties or manifest at prefix P (the path before
 * "META-INF/"): the copy of its family whose root is P followed by the
 * family's own package ("org/apache/logging/log4j/core/", ...), or else the
 * only copy of the family whose root starts with P. With several and none
 * at the canonical place, it belongs to none (an anomaly on each): a shaded
 * fat jar's pom.properties cannot say which relocated copy it came from.
 *
 * Versions are compared as Maven does (kb_version_cmp). Memory: the records
 * kept (copies, family poms, manifests) are bounded by KB_JAVAID_MAX_RECORDS,
 * and at most three classes of one copy are held at a time.
 */
#include "koban/javaid.h"

#include "koban/version.h"
#include "scan-props.h"
#include "util-buf.h"
#include "util-map.h"
#include "util-str.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the tables ---------------------------------------------------------- */

/* SHA-256 of JndiLookup.class and JndiManager.class as shipped in Maven
 * Central jars (../shared/facts/log4j.md). 2.0-beta2 to beta8 have neither
 * class, so nothing to match. */
static const kb_javaid_hash_row builtin_rows[] = {
	{ "2.0-beta9", "2.0-beta9", "39a495034d37c7934b64a9aa686ea06b61df21aa222044cc50a47d6903ba1ca8", NULL },
	{ "2.1", "2.3", "a768e5383990b512f9d4f97217eda94031c2fa4aea122585f5a475ab99dc7307",
	  "ae950f9435c0ef3373d4030e7eff175ee11044e584b7f205b7a9804bbe795f9c" },
	{ "2.3.1", "2.3.1", "0ad99a95ff637fc966fc4ce5fe1f9e78d3b24b113282f9990b95a6fde3383d9c",
	  "6ce4436eca5edc852d375cbc831cd652b80fc16f6238cd2b22bd115b3735460e" },
	{ "2.3.2", "2.3.2", "7f0add9055958365137a8cc7a90969a43c44b20280323bdac718c1ff3795beb8",
	  "89535e03625d7ed5074d12eab85a9b27a643fcaf9ed62b152371d209ee90ce80" },
	{ "2.4", "2.4.1", "a534961bbfce93966496f86c9314f46939fd082bb89986b48b7430c3bea903f7",
	  "3bff6b3011112c0b5139a5c3aa5e698ab1531a2f130e86f9e4262dd6018916d7" },
	{ "2.9.1", "2.11.2", "0f038a1e0aa0aff76d66d1440c88a2b35a3d023ad8b2e3bac8e25a3208499f7e",
	  "293d7e83d4197f0496855f40a7745cfcdd10026dc057dfc1816de57295be88a6" },
	{ "2.12.0", "2.12.1", "5c104d16ff9831b456e4d7eaf66bcf531f086767782d08eece3fb37e40467279",
	  "1fa92c00fa0b305b6bbe6e2ee4b012b588a906a20a05e135cbe64c9d77d676de" },
	{ "2.12.2", "2.12.2", "febbc7867784d0f06934fec59df55ee45f6b24c55b17fff71cc4fca80bf22ebb",
	  "b1960d63a3946f9e16e1920624f37c152b58b98932ed04df99ed5d9486732afb" },
	{ "2.12.3", "2.12.3", "edb797a8633f629b7c2187ccafd259a16a0b7b4cce4d42e646f8472358b8962a",
	  "f04dd01860bb32750a47fc3f6b29a41b4dd04736fadf0fd63c4f1909d845afd2" },
	{ "2.12.4", "2.12.4", "edb797a8633f629b7c2187ccafd259a16a0b7b4cce4d42e646f8472358b8962a",
	  "a954ff8c69d43a40dac017ec01ecc56f6c39d9122cb3c388abbe89b975a6fe95" },
	{ "2.14.0", "2.14.1", "84057480ba7da6fb6d9ea50c53a00848315833c1f34bf8f4a47f11a14499ae3f",
	  "77323460255818f4cbfe180141d6001bfb575b429e00a07cbceabd59adf334d6" },
	{ "2.15.0", "2.15.0", "84057480ba7da6fb6d9ea50c53a00848315833c1f34bf8f4a47f11a14499ae3f",
	  "db07ef1ea174e000b379732681bd835cfede648a7971bf4e9a0d31981582d69e" },
	{ "2.16.0", "2.16.0", "84057480ba7da6fb6d9ea50c53a00848315833c1f34bf8f4a47f11a14499ae3f",
	  "5210e6aae7dd8a61cd16c56937c5f2ed43941487830f46e99d0d3f45bfa6f953" },
	{ "2.17.0", "2.17.0", "ddad241274b834182525eeddc35c3198247507bd2df59645b58b94cd18fada7c",
	  "9c2a6ea36c79fa23da59cc0f6c52c07ce54ca145ddd654790a3116d2b24de51b" },
	{ "2.17.1", "2.17.1", "ddad241274b834182525eeddc35c3198247507bd2df59645b58b94cd18fada7c",
	  "3588a6aaf84fa79215a1cc5d12dee69413b8772656c73bdf26ef35df713b1091" },
	{ "2.19.0", "2.19.0", "07bf01d6e9630d38861c95bdbb701db78a507d26bb6d68c4fb8ee4babb226d8f",
	  "90635ef0eb75522ae571c9001a2179d245c36602b16039490b765dc884d2586d" }, /* Debian's build */
};

static const kb_javaid_hash_table builtin_table = { builtin_rows, sizeof builtin_rows / sizeof builtin_rows[0] };

const kb_javaid_hash_table *kb_javaid_builtin_hashes(void)
{
	return &builtin_table;
}

/* Affected ranges [introduced, fixed), Maven order; "0" is the beginning,
 * NULL no fix. log4j-core after the GitHub advisories (facts/log4j.md), with
 * the Java 6 and 7 backports made explicit: 2.3.1 fixed CVE-2021-44228,
 * -45046 and -45105 on the 2.3 line, 2.12.2 the first two and 2.12.3 the
 * third on the 2.12 line, and 2.3.2, 2.12.4 and 2.17.1 fixed CVE-2021-44832.
 * `jndi` marks the CVEs that go through JndiLookup. */
typedef struct vrange {
	const char *introduced;
	const char *fixed;
} vrange;

typedef struct cve_rule {
	const char *id;
	vrange r[3];
	size_t n;
	bool jndi;
} cve_rule;

static const cve_rule log4j2_rules[] = {
	{ "CVE-2021-44228", { { "0", "2.3.1" }, { "2.4", "2.12.2" }, { "2.13.0", "2.15.0" } }, 3, true },
	{ "CVE-2021-45046", { { "0", "2.3.1" }, { "2.4", "2.12.2" }, { "2.13.0", "2.16.0" } }, 3, true },
	{ "CVE-2021-45105", { { "0", "2.3.1" }, { "2.4", "2.12.3" }, { "2.13.0", "2.17.0" } }, 3, false },
	{ "CVE-2021-44832", { { "0", "2.3.2" }, { "2.4", "2.12.4" }, { "2.13.0", "2.17.1" } }, 3, false },
};

/* reload4j: CVE-2022-23307 (Chainsaw deserialisation) fixed in 1.2.18.1,
 * CVE-2020-9488 (SMTPAppender host check) in 1.2.18.3. */
static const cve_rule reload4j_rules[] = {
	{ "CVE-2022-23307", { { "0", "1.2.18.1" } }, 1, false },
	{ "CVE-2020-9488", { { "0", "1.2.18.3" } }, 1, false },
};

/* logback-classic: CVE-2021-42550, fixed in 1.2.8 and 1.3.0-alpha11. */
static const cve_rule logback_rules[] = {
	{ "CVE-2021-42550", { { "0", "1.2.8" }, { "1.3.0-alpha0", "1.3.0-alpha11" } }, 2, false },
};

#define MAX_RULES 4

/* ---- names ---------------------------------------------------------------- */

const char *kb_javaid_kind_name(kb_javaid_kind k)
{
	switch (k) {
	case KB_JAVAID_MAVEN: return "maven";
	case KB_JAVAID_LOG4J_CORE: return "log4j-core";
	case KB_JAVAID_LOG4J1: return "log4j1";
	case KB_JAVAID_RELOAD4J: return "reload4j";
	case KB_JAVAID_LOGBACK_CLASSIC: return "logback-classic";
	case KB_JAVAID_LOG4J1_BRIDGE: return "log4j1-bridge";
	}
	return "unknown";
}

const char *kb_javaid_how_name(kb_javaid_how h)
{
	static const char *const names[] = { "-", "hash", "pom", "manifest", "marker" };
	return (unsigned)h < sizeof names / sizeof names[0] ? names[h] : "unknown";
}

const char *kb_javaid_status_name(kb_javaid_status s)
{
	static const char *const names[] = { "-", "unknown", "safe", "mitigated", "vulnerable" };
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

const char *kb_javaid_jndi_name(kb_javaid_jndi j)
{
	static const char *const names[] = { "n/a", "present", "removed", "relocated" };
	return (unsigned)j < sizeof names / sizeof names[0] ? names[j] : "unknown";
}

const char *kb_javaid_anomaly_text(uint32_t bit)
{
	switch (bit) {
	case KB_JAVAID_ANOMALY_UNREADABLE: return "evidence could not be read";
	case KB_JAVAID_ANOMALY_BAD_POM: return "pom.properties malformed or incomplete";
	case KB_JAVAID_ANOMALY_POM_PATH: return "pom.properties names other coordinates than its path";
	case KB_JAVAID_ANOMALY_BAD_MANIFEST: return "manifest malformed";
	case KB_JAVAID_ANOMALY_HASH_CONFLICT: return "JndiLookup and JndiManager hashes disagree";
	case KB_JAVAID_ANOMALY_UNKNOWN_HASH: return "class hashes unknown (rebuilt classes)";
	case KB_JAVAID_ANOMALY_MISMATCH: return "weaker evidence names another version";
	case KB_JAVAID_ANOMALY_AMBIGUOUS: return "metadata could belong to several copies";
	case KB_JAVAID_ANOMALY_NO_VERSION: return "no version evidence";
	}
	return "unknown anomaly";
}

/* ---- records ------------------------------------------------------------- */

typedef enum family { FAM_L2, FAM_L1, FAM_LOGBACK, FAM__N } family;

/* Where each family's classes sit when not relocated. */
static const char *const canonical[FAM__N] = {
	"org/apache/logging/log4j/core/",
	"org/apache/log4j/",
	"ch/qos/logback/classic/",
};

/* An entry kept past the walk: `e.name` points at `name` (NULL: none). */
typedef struct kept {
	kb_zip_entry e;
	char *name;
} kept;

enum {
	L1_SOCKETSERVER = 1u << 0,
	L1_JMSAPPENDER = 1u << 1,
	L1_JMSSINK = 1u << 2,
	L1_JDBCAPPENDER = 1u << 3,
	L1_PATTERNPARSER = 1u << 4,
	L1_CHAINSAW = 1u << 5,
	L1_HARDENED = 1u << 6,
};

typedef struct jcopy {
	family fam;
	char *root;
	kept lookup, manager, dscs; /* log4j-core */
	kept logger, category;      /* log4j 1.x */
	bool setutils, nosql;
	unsigned l1;                /* L1_* classes present */
} jcopy;

typedef struct jpom {
	family fam;
	char *prefix;
	char *path;
	char *group, *artifact, *version; /* version may be NULL */
} jpom;

typedef struct jman {
	char *prefix;
	kept k;
	int state;      /* 0 unread, 1 parsed, -1 failed */
	kb_kvset kv;
	char *problem;  /* why it failed */
} jman;

/* A class met before the copy it refines (role and flag as in classify()). */
typedef struct jpend {
	family fam;
	char *root;
	int role;
	unsigned flag;
	kept k;
} jpend;

typedef struct jctx {
	kb_zip *z;
	const kb_javaid_hash_table *hashes;
	kb_javaid_cb cb;
	void *cbctx;
	kb_error *err;
	jcopy *copies;
	size_t ncopies, capcopies;
	kb_map index; /* family byte + root -> copy index + 1 */
	jpom *poms;
	size_t npoms, cappoms;
	jman *mans;
	size_t nmans, capmans;
	jpend *pends;
	size_t npends, cappends;
} jctx;

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, c * size);
	if (!p)
		return KB_ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static int oom(jctx *c)
{
	return kb_error_set(c->err, KB_ENOMEM, kb_zip_name(c->z), 0, 0, KB_NO_OFFSET, "out of memory identifying");
}

static int record_limit(jctx *c, const kb_zip_entry *e)
{
	if (c->ncopies + c->npoms + c->nmans + c->npends < KB_JAVAID_MAX_RECORDS)
		return 0;
	return kb_error_set(c->err, KB_ELIMIT, kb_zip_name(c->z), 0, 0, e->central_offset,
	                    "entry %llu (%s): more than KB_JAVAID_MAX_RECORDS (%u) library copies, pom.properties "
	                    "and manifests to keep",
	                    (unsigned long long)e->index, e->name, KB_JAVAID_MAX_RECORDS);
}

static int keep(jctx *c, kept *k, const kb_zip_entry *e)
{
	if (k->name)
		return 0; /* the first of several wins (e.g. .class beside .esclazz) */
	k->name = kb_strndup(e->name, e->name_len);
	if (!k->name)
		return oom(c);
	k->e = *e;
	k->e.name = k->name;
	k->e.raw_name = NULL;
	k->e.raw_name_len = 0;
	return 0;
}

static void kept_free(kept *k)
{
	free(k->name);
	k->name = NULL;
}

/* ---- paths ---------------------------------------------------------------- */

/* Length of `name` without a class extension, or 0 when it has none. */
static size_t class_base(const char *name, size_t len)
{
	static const char *const ext[] = { ".class", ".esclazz", ".classdata" };
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t n = strlen(ext[i]);
		if (len > n && memcmp(name + len - n, ext[i], n) == 0)
			return len - n;
	}
	return 0;
}

/* When base[0, blen) ends with `suffix` starting at a path component, the
 * length before the suffix; else SIZE_MAX. */
static size_t ends_at(const char *base, size_t blen, const char *suffix)
{
	size_t n = strlen(suffix);
	if (blen < n || memcmp(base + blen - n, suffix, n) != 0)
		return SIZE_MAX;
	if (blen > n && base[blen - n - 1] != '/')
		return SIZE_MAX;
	return blen - n;
}

/* A copy of s[0, n) without its first "META-INF/versions/<digits>/". */
static char *root_dup(const char *s, size_t n)
{
	static const char mr[] = "META-INF/versions/";
	char *out = kb_strndup(s, n);
	if (!out)
		return NULL;
	for (char *p = out; (p = strstr(p, mr)) != NULL; p++) {
		if (p != out && p[-1] != '/')
			continue;
		char *q = p + sizeof mr - 1;
		char *d = q;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d == q || *d != '/')
			continue;
		memmove(p, d + 1, strlen(d + 1) + 1);
		break;
	}
	return out;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* The copy (fam, root), or NULL. */
static jcopy *copy_find(jctx *c, family fam, const char *root)
{
	char key[KB_ZIP_MAX_NAME_LEN + 2];
	size_t n = strlen(root);
	if (n + 1 > sizeof key)
		return NULL; /* longer than any entry name: no such copy */
	key[0] = (char)('0' + fam);
	memcpy(key + 1, root, n);
	uintptr_t at = (uintptr_t)kb_map_get(&c->index, key, n + 1);
	return at ? &c->copies[at - 1] : NULL;
}

/* A new copy (fam, root); it takes `root` on success. */
static int copy_add(jctx *c, family fam, char *root, const kb_zip_entry *e, jcopy **ret)
{
	char key[KB_ZIP_MAX_NAME_LEN + 2];
	size_t n = strlen(root);
	int r = record_limit(c, e);
	if (r < 0)
		return r;
	if (n + 1 > sizeof key)
		return kb_error_set(c->err, KB_ELIMIT, kb_zip_name(c->z), 0, 0, e->central_offset,
		                    "entry %llu: name longer than KB_ZIP_MAX_NAME_LEN", (unsigned long long)e->index);
	key[0] = (char)('0' + fam);
	memcpy(key + 1, root, n);
	if (grow((void **)&c->copies, &c->capcopies, c->ncopies, sizeof *c->copies) < 0 ||
	    kb_map_put(&c->index, key, n + 1, (void *)(uintptr_t)(c->ncopies + 1), NULL) < 0)
		return oom(c);
	jcopy *cp = &c->copies[c->ncopies++];
	memset(cp, 0, sizeof *cp);
	cp->fam = fam;
	cp->root = root;
	*ret = cp;
	return 0;
}

/* ---- what a class says ------------------------------------------------------ */

/* A class's role: the first five define a copy, the rest refine one. */
typedef enum role {
	R_NONE = 0,
	R_LOOKUP,      /* <root>lookup/JndiLookup */
	R_MANAGER,     /* <root>net/JndiManager */
	R_CORE,        /* <root>LoggerContext or <root>Logger, root ending in "log4j/core/" */
	R_L1_LOGGER,   /* <root>Logger, root ending in "org/apache/log4j/" */
	R_LOGBACK,     /* <root>LoggerContext, root ending in "ch/qos/logback/classic/" */
	R_DSCS,        /* <root>appender/db/jdbc/DataSourceConnectionSource */
	R_SETUTILS,    /* <root>util/SetUtils */
	R_NOSQL,       /* <root>appender/nosql/NoSqlAppender */
	R_L1_CATEGORY, /* log4j 1.x <root>Category */
	R_L1_FLAG,     /* one of l1_classes, or chainsaw/ */
} role;

/* log4j 1.x classes that decide a verdict, relative to the copy's root. */
static const struct {
	const char *rest;
	unsigned flag;
} l1_classes[] = {
	{ "net/SocketServer", L1_SOCKETSERVER },
	{ "net/JMSAppender", L1_JMSAPPENDER },
	{ "net/JMSSink", L1_JMSSINK },
	{ "jdbc/JDBCAppender", L1_JDBCAPPENDER },
	{ "jdbc/JdbcPatternParser", L1_PATTERNPARSER },
	{ "net/HardenedObjectInputStream", L1_HARDENED },
};

/* The role of class name[0, blen) (extension removed), with the family and
 * the length of the root in the name. */
static role classify(const char *name, size_t blen, family *fam, size_t *root_len, unsigned *flag)
{
	static const struct {
		const char *suffix;
		size_t keep; /* bytes of the suffix that belong to the root */
		family fam;
		role role;
	} ends[] = {
		{ "lookup/JndiLookup", 0, FAM_L2, R_LOOKUP },
		{ "net/JndiManager", 0, FAM_L2, R_MANAGER },
		{ "log4j/core/LoggerContext", 11, FAM_L2, R_CORE },
		{ "log4j/core/Logger", 11, FAM_L2, R_CORE },
		{ "org/apache/log4j/Logger", 17, FAM_L1, R_L1_LOGGER },
		{ "ch/qos/logback/classic/LoggerContext", 23, FAM_LOGBACK, R_LOGBACK },
		{ "appender/db/jdbc/DataSourceConnectionSource", 0, FAM_L2, R_DSCS },
		{ "util/SetUtils", 0, FAM_L2, R_SETUTILS },
		{ "appender/nosql/NoSqlAppender", 0, FAM_L2, R_NOSQL },
	};
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		size_t at = ends_at(name, blen, ends[i].suffix);
		if (at != SIZE_MAX) {
			*fam = ends[i].fam;
			*root_len = at + ends[i].keep;
			return ends[i].role;
		}
	}
	static const char l1[] = "org/apache/log4j/";
	const size_t l1len = sizeof l1 - 1;
	const char *m = NULL;
	for (const char *p = name; (p = memmem(p, blen - (size_t)(p - name), l1, l1len)) != NULL; p++)
		if (p == name || p[-1] == '/')
			m = p;
	if (!m)
		return R_NONE;
	*fam = FAM_L1;
	*root_len = (size_t)(m - name) + l1len;
	const char *rest = name + *root_len;
	size_t rest_len = blen - *root_len;
	if (rest_len == strlen("Category") && memcmp(rest, "Category", rest_len) == 0)
		return R_L1_CATEGORY;
	if (rest_len > strlen("chainsaw/") && memcmp(rest, "chainsaw/", strlen("chainsaw/")) == 0) {
		*flag = L1_CHAINSAW;
		return R_L1_FLAG;
	}
	for (size_t i = 0; i < sizeof l1_classes / sizeof l1_classes[0]; i++)
		if (rest_len == strlen(l1_classes[i].rest) && memcmp(rest, l1_classes[i].rest, rest_len) == 0) {
			*flag = l1_classes[i].flag;
			return R_L1_FLAG;
		}
	return R_NONE;
}

/* Where a role keeps its entry, or NULL for a role that is a flag. */
static kept *role_slot(jcopy *cp, role ro)
{
	switch (ro) {
	case R_LOOKUP: return &cp->lookup;
	case R_MANAGER: return &cp->manager;
	case R_L1_LOGGER: return &cp->logger;
	case R_DSCS: return &cp->dscs;
	case R_L1_CATEGORY: return &cp->category;
	default: return NULL;
	}
}

static void role_flag(jcopy *cp, role ro, unsigned flag)
{
	if (ro == R_SETUTILS)
		cp->setutils = true;
	else if (ro == R_NOSQL)
		cp->nosql = true;
	else if (ro == R_L1_FLAG)
		cp->l1 |= flag;
}

/* A class that refines a copy not met yet: kept until the walk ends. It
 * takes `root`. */
static int pend(jctx *c, family fam, char *root, role ro, unsigned flag, const kb_zip_entry *e)
{
	int r = record_limit(c, e);
	if (r < 0 || grow((void **)&c->pends, &c->cappends, c->npends, sizeof *c->pends) < 0) {
		free(root);
		return r < 0 ? r : oom(c);
	}
	jpend *p = &c->pends[c->npends++];
	*p = (jpend){ .fam = fam, .root = root, .role = (int)ro, .flag = flag };
	return ro == R_DSCS || ro == R_L1_CATEGORY ? keep(c, &p->k, e) : 0;
}

static int class_entry(jctx *c, const kb_zip_entry *e, size_t blen)
{
	family fam = FAM_L2;
	size_t root_len = 0;
	unsigned flag = 0;
	role ro = classify(e->name, blen, &fam, &root_len, &flag);
	if (ro == R_NONE)
		return 0;
	char *root = root_dup(e->name, root_len);
	if (!root)
		return oom(c);
	jcopy *cp = copy_find(c, fam, root);
	int r;
	if (cp) {
		free(root);
	} else if (ro <= R_LOGBACK) {
		if ((r = copy_add(c, fam, root, e, &cp)) < 0) {
			free(root);
			return r;
		}
	} else {
		return pend(c, fam, root, ro, flag, e);
	}
	kept *slot = role_slot(cp, ro);
	if (slot)
		return keep(c, slot, e);
	role_flag(cp, ro, flag);
	return 0;
}

/* Give the classes met before their copy to the copy. */
static void resolve_pending(jctx *c)
{
	for (size_t i = 0; i < c->npends; i++) {
		jpend *p = &c->pends[i];
		jcopy *cp = copy_find(c, p->fam, p->root);
		if (!cp)
			continue;
		kept *slot = role_slot(cp, (role)p->role);
		if (slot && !slot->name && p->k.name) {
			*slot = p->k;
			slot->e.name = slot->name;
			p->k.name = NULL;
		} else if (!slot) {
			role_flag(cp, (role)p->role, p->flag);
		}
	}
}

/* ---- findings ------------------------------------------------------------- */

/* Notes hold a bounded number of sentences per finding (each at most two
 * entry names, themselves bounded by KB_ZIP_MAX_NAME_LEN, and one error
 * message), so the buffers' ceiling is never what bounds them. */
#define NOTES_MAX ((size_t)1 << 24)

typedef struct fbuild {
	kb_javaid_finding f;
	kb_buf notes, cves, possible, mitigated;
	char lsha[65], msha[65];
	bool oom;
} fbuild;

static void fb_init(fbuild *b, kb_javaid_kind kind)
{
	memset(b, 0, sizeof *b);
	b->f.kind = kind;
	kb_buf_init(&b->notes, NOTES_MAX);
	kb_buf_init(&b->cves, NOTES_MAX);
	kb_buf_init(&b->possible, NOTES_MAX);
	kb_buf_init(&b->mitigated, NOTES_MAX);
}

static void fb_free(fbuild *b)
{
	kb_buf_free(&b->notes);
	kb_buf_free(&b->cves);
	kb_buf_free(&b->possible);
	kb_buf_free(&b->mitigated);
}

__attribute__((format(printf, 3, 4))) static void note(fbuild *b, uint32_t bit, const char *fmt, ...)
{
	b->f.anomalies |= bit;
	char msg[KB_ERROR_MSG_MAX + 2 * KB_ZIP_MAX_NAME_LEN + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((b->notes.len && kb_buf_puts(&b->notes, "; ") < 0) || kb_buf_puts(&b->notes, msg) < 0)
		b->oom = true;
}

static void list_add(fbuild *b, kb_buf *list, const char *id)
{
	if ((list->len && kb_buf_putc(list, ',') < 0) || kb_buf_puts(list, id) < 0)
		b->oom = true;
}

static int emit(jctx *c, fbuild *b)
{
	if (b->oom)
		return oom(c);
	b->f.notes = kb_buf_str(&b->notes);
	b->f.cves = kb_buf_str(&b->cves);
	b->f.cves_possible = kb_buf_str(&b->possible);
	b->f.cves_mitigated = kb_buf_str(&b->mitigated);
	return c->cb(c->cbctx, &b->f);
}

/* ---- versions ------------------------------------------------------------- */

/* An inclusive span of versions; max NULL: no upper bound. */
typedef struct vspan {
	const char *min, *max;
} vspan;

#define MAX_SPANS 16

typedef struct vknow {
	vspan s[MAX_SPANS];
	size_t n;
} vknow;

static int vcmp(const char *a, const char *b)
{
	int r = 0;
	if (kb_version_cmp(KB_VS_MAVEN, a, b, &r) < 0)
		return 0; /* unreachable: every version is checked by usable() first */
	return r;
}

/* A version string fit to compare: non-empty and within KB_VERSION_MAX_LEN. */
static bool usable(const char *v)
{
	return v && *v && strlen(v) <= KB_VERSION_MAX_LEN;
}

static void vk_add(vknow *vk, const char *min, const char *max)
{
	if (vk->n < MAX_SPANS) {
		vk->s[vk->n++] = (vspan){ min, max };
		return;
	}
	/* more rows than spans: widen the last to cover this one too */
	vspan *l = &vk->s[MAX_SPANS - 1];
	if (vcmp(min, l->min) < 0)
		l->min = min;
	if (l->max && (!max || vcmp(max, l->max) > 0))
		l->max = max;
}

static bool vk_contains(const vknow *vk, const char *v)
{
	for (size_t i = 0; i < vk->n; i++)
		if (vcmp(v, vk->s[i].min) >= 0 && (!vk->s[i].max || vcmp(v, vk->s[i].max) <= 0))
			return true;
	return false;
}

/* The finding's version fields from what is known. */
static void vk_describe(const vknow *vk, fbuild *b)
{
	if (!vk->n)
		return;
	const char *min = vk->s[0].min, *max = vk->s[0].max;
	for (size_t i = 1; i < vk->n; i++) {
		if (vcmp(vk->s[i].min, min) < 0)
			min = vk->s[i].min;
		if (max && (!vk->s[i].max || vcmp(vk->s[i].max, max) > 0))
			max = vk->s[i].max;
	}
	b->f.version_min = min;
	b->f.version_max = max;
	if (max && vcmp(min, max) == 0)
		b->f.version = vk->n == 1 ? vk->s[0].min : min;
}

static bool span_inside(const vspan *s, const vrange *r)
{
	if (strcmp(r->introduced, "0") != 0 && vcmp(s->min, r->introduced) < 0)
		return false;
	return !r->fixed || (s->max && vcmp(s->max, r->fixed) < 0);
}

static bool span_overlaps(const vspan *s, const vrange *r)
{
	if (r->fixed && vcmp(s->min, r->fixed) >= 0)
		return false;
	return !s->max || strcmp(r->introduced, "0") == 0 || vcmp(s->max, r->introduced) >= 0;
}

/* Which rules apply to every version allowed (*certain) and to some (*possible). */
static void judge(const cve_rule *rules, size_t n, const vknow *vk, unsigned *certain, unsigned *possible)
{
	*certain = *possible = 0;
	if (!vk->n)
		return;
	for (size_t i = 0; i < n; i++) {
		bool all = true, any = false;
		for (size_t s = 0; s < vk->n; s++) {
			bool in = false;
			for (size_t k = 0; k < rules[i].n; k++) {
				if (span_inside(&vk->s[s], &rules[i].r[k]))
					in = true;
				if (span_overlaps(&vk->s[s], &rules[i].r[k]))
					any = true;
			}
			all = all && in;
		}
		if (all)
			*certain |= 1u << i;
		if (any)
			*possible |= 1u << i;
	}
}

/* Fill cves / cves_possible from the masks and return the status by version
 * alone: vulnerable, unknown (only possible CVEs, or nothing known) or safe. */
static kb_javaid_status verdict(fbuild *b, const cve_rule *rules, size_t n, const vknow *vk, unsigned certain,
                                unsigned possible)
{
	for (size_t i = 0; i < n; i++) {
		if (certain & (1u << i))
			list_add(b, &b->cves, rules[i].id);
		else if (possible & (1u << i))
			list_add(b, &b->possible, rules[i].id);
	}
	if (!vk->n)
		return KB_JAVAID_UNKNOWN;
	return certain ? KB_JAVAID_VULNERABLE : possible ? KB_JAVAID_UNKNOWN : KB_JAVAID_SAFE;
}

/* ---- reading evidence ----------------------------------------------------- */

typedef struct cls {
	kb_zip_data d;
	bool ok;
	char sha[65];
} cls;

static bool sha256_hex(const uint8_t *d, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(d, n, md, &len, EVP_sha256(), NULL) || len != 32)
		return false;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return true;
}

/* Read a kept class. Not being able to is an anomaly on `b`; only running
 * out of memory is an error. */
static int read_class(jctx *c, const kept *k, fbuild *b, cls *out)
{
	memset(out, 0, sizeof *out);
	if (!k->name)
		return 0;
	if (k->e.uncompressed_size > KB_JAVAID_MAX_CLASS_BYTES) {
		note(b, KB_JAVAID_ANOMALY_UNREADABLE, "%s not read: %llu bytes, more than KB_JAVAID_MAX_CLASS_BYTES (%u)",
		     k->name, (unsigned long long)k->e.uncompressed_size, KB_JAVAID_MAX_CLASS_BYTES);
		return 0;
	}
	kb_error e;
	kb_error_clear(&e);
	int r = kb_zip_read(c->z, &k->e, &out->d, &e);
	if (r == KB_ENOMEM)
		return oom(c);
	if (r < 0) {
		note(b, KB_JAVAID_ANOMALY_UNREADABLE, "%s not read: %s", k->name, e.msg);
		return 0;
	}
	if (!sha256_hex(out->d.bytes, out->d.size, out->sha)) {
		kb_zip_data_clear(&out->d);
		return oom(c);
	}
	out->ok = true;
	return 0;
}

static void cls_clear(cls *x)
{
	if (x->ok)
		kb_zip_data_clear(&x->d);
	x->ok = false;
}

static bool has(const cls *x, const char *needle)
{
	return x->ok && memmem(x->d.bytes, x->d.size, needle, strlen(needle)) != NULL;
}

/* "<archive>!/<entry>", for errors in a member. */
static void member_name(jctx *c, const char *entry, char *out, size_t size)
{
	snprintf(out, size, "%s!/%s", kb_zip_name(c->z), entry);
}

/* kb_zip_stream() callback: collect up to the buffer's max, then stop. */
static int collect(void *userdata, const uint8_t *chunk, size_t n)
{
	kb_buf *b = userdata;
	size_t room = b->max - b->len;
	if (n > room)
		n = room;
	if (kb_buf_append(b, chunk, n) < 0)
		return KB_ENOMEM;
	return b->len == b->max ? 1 : 0;
}

/* The manifest's parsed contents, reading it the first time. Only its first
 * KB_MANIFEST_MAX_BYTES + 1 bytes are read (a signed jar's manifest lists a
 * digest per entry after the sections wanted); the parser says when the
 * sections wanted run past its limit. */
static int manifest_load(jctx *c, jman *m)
{
	if (m->state)
		return 0;
	m->state = -1;
	kb_buf raw;
	kb_buf_init(&raw, KB_MANIFEST_MAX_BYTES + 1);
	kb_error e;
	kb_error_clear(&e);
	int r = kb_zip_stream(c->z, &m->k.e, collect, &raw, &e);
	if (r == KB_ENOMEM) {
		kb_buf_free(&raw);
		return oom(c);
	}
	if (r < 0) {
		m->problem = strdup(e.msg);
	} else {
		char name[KB_ERROR_FILE_MAX];
		member_name(c, m->k.name, name, sizeof name);
		kb_error pe;
		kb_error_clear(&pe);
		r = kb_manifest_parse((const uint8_t *)kb_buf_str(&raw), raw.len, name, KB_JAVAID_MANIFEST_SECTIONS,
		                      &m->kv, &pe);
		if (r == KB_ENOMEM) {
			kb_buf_free(&raw);
			return oom(c);
		}
		if (r == 0) {
			m->state = 1;
		} else {
			char msg[KB_ERROR_MSG_MAX + 64];
			snprintf(msg, sizeof msg, "line %llu: %s", (unsigned long long)pe.line, pe.msg);
			m->problem = strdup(msg);
		}
	}
	kb_buf_free(&raw);
	if (m->state < 0 && !m->problem)
		return oom(c);
	return 0;
}

/* A trimmed copy of v in buf (size > KB_VERSION_MAX_LEN), or NULL when v is
 * missing, blank or too long to compare. */
static const char *version_copy(const char *v, char *buf, size_t size)
{
	if (!v)
		return NULL;
	size_t n;
	const char *t = kb_str_trim(v, &n);
	if (!n || n > KB_VERSION_MAX_LEN || n >= size)
		return NULL;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

/* ---- manifests and pom.properties that belong to a copy -------------------- */

typedef enum mident { MID_NONE, MID_L2, MID_LOG4J1, MID_RELOAD4J, MID_API, MID_SLF4J, MID_LOGBACK } mident;

/* v (trimmed; for a Bundle-SymbolicName, before its ';' parameters) equals want, any case. */
static bool val_is(const char *v, const char *want, bool bsn)
{
	if (!v)
		return false;
	size_t n;
	const char *t = kb_str_trim(v, &n);
	if (bsn) {
		const char *semi = memchr(t, ';', n);
		if (semi)
			n = (size_t)(semi - t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
	}
	return n == strlen(want) && strncasecmp(t, want, n) == 0;
}

static bool val_has(const char *v, const char *needle)
{
	return v && strcasestr(v, needle) != NULL;
}

static mident ident_of(const char *bsn, const char *title, const char *bname)
{
	if (val_is(bsn, "org.apache.logging.log4j.core", true) || val_is(title, "Apache Log4j Core", false))
		return MID_L2;
	if (val_is(bsn, "org.apache.logging.log4j.1.2-api", true) || val_has(title, "Log4j 1.x Compatibility API"))
		return MID_API;
	if (val_is(bsn, "log4j.over.slf4j", true) || val_is(title, "log4j-over-slf4j", false))
		return MID_SLF4J;
	if (val_has(bsn, "reload4j") || val_has(title, "reload4j") || val_has(bname, "reload4j"))
		return MID_RELOAD4J;
	if (val_is(bsn, "log4j", true) || val_is(bsn, "org.apache.log4j", true) || val_is(title, "log4j", false) ||
	    val_is(bname, "Apache Log4j", false))
		return MID_LOG4J1;
	if (val_is(bsn, "ch.qos.logback.classic", true) || val_is(title, "logback-classic", false))
		return MID_LOGBACK;
	return MID_NONE;
}

/* What library a manifest describes, from its main section and then its
 * named sections (old log4j 1.2 jars name the version only in
 * "Name: org/apache/log4j/"). *ret_version may be NULL. */
static mident manifest_identity(const kb_kvset *kv, const char **ret_version)
{
	for (uint32_t s = 0; s <= kv->sections; s++) {
		mident id = ident_of(s ? NULL : kb_manifest_get(kv, 0, "Bundle-SymbolicName"),
		                     kb_manifest_get(kv, s, "Implementation-Title"),
		                     s ? NULL : kb_manifest_get(kv, 0, "Bundle-Name"));
		if (id == MID_NONE)
			continue;
		const char *v = kb_manifest_get(kv, s, "Implementation-Version");
		if (!v && !s)
			v = kb_manifest_get(kv, 0, "Bundle-Version");
		if (!v)
			v = kb_manifest_get(kv, s, "Specification-Version");
		*ret_version = v;
		return id;
	}
	return MID_NONE;
}

static bool fits(family fam, mident id)
{
	switch (fam) {
	case FAM_L2: return id == MID_L2;
	case FAM_L1: return id == MID_LOG4J1 || id == MID_RELOAD4J || id == MID_API || id == MID_SLF4J;
	case FAM_LOGBACK: return id == MID_LOGBACK;
	default: return false;
	}
}

/* The copy that metadata at `prefix` belongs to: its index, -1 for none,
 * -2 when several could own it and none sits at the canonical place. */
static long owner_of(const jctx *c, family fam, const char *prefix)
{
	size_t plen = strlen(prefix), count = 0;
	long only = -1;
	for (size_t i = 0; i < c->ncopies; i++) {
		const jcopy *cp = &c->copies[i];
		if (cp->fam != fam || strncmp(cp->root, prefix, plen) != 0)
			continue;
		if (strcmp(cp->root + plen, canonical[fam]) == 0)
			return (long)i;
		count++;
		only = (long)i;
	}
	return count == 1 ? only : count ? -2 : -1;
}

/* The pom.properties (group, artifact) that belongs to copy `idx`, or NULL
 * (none, or several that disagree: an anomaly). */
static const jpom *pom_for(jctx *c, size_t idx, const char *group, const char *artifact, fbuild *b)
{
	const jcopy *cp = &c->copies[idx];
	const jpom *found = NULL;
	bool conflict = false;
	for (size_t i = 0; i < c->npoms; i++) {
		const jpom *p = &c->poms[i];
		if (p->fam != cp->fam || strcmp(p->group, group) != 0 || strcmp(p->artifact, artifact) != 0)
			continue;
		long o = owner_of(c, cp->fam, p->prefix);
		if (o == -2 && starts_with(cp->root, p->prefix)) {
			note(b, KB_JAVAID_ANOMALY_AMBIGUOUS, "%s could describe several copies, so none", p->path);
			continue;
		}
		if (o != (long)idx)
			continue;
		if (!found)
			found = p;
		else if (!found->version || !p->version || strcmp(found->version, p->version) != 0)
			conflict = true;
	}
	if (conflict) {
		note(b, KB_JAVAID_ANOMALY_AMBIGUOUS, "several %s:%s pom.properties with different versions", group,
		     artifact);
		return NULL;
	}
	return found;
}

/* The identity and version the copy's own manifest gives. */
static int manifest_for(jctx *c, size_t idx, fbuild *b, mident *ret_id, const char **ret_version)
{
	const jcopy *cp = &c->copies[idx];
	*ret_id = MID_NONE;
	*ret_version = NULL;
	for (size_t i = 0; i < c->nmans; i++) {
		jman *m = &c->mans[i];
		if (!starts_with(cp->root, m->prefix))
			continue;
		long o = owner_of(c, cp->fam, m->prefix);
		if (o != (long)idx && o != -2)
			continue;
		int r = manifest_load(c, m);
		if (r < 0)
			return r;
		if (m->state < 0) {
			if (o == (long)idx)
				note(b, KB_JAVAID_ANOMALY_BAD_MANIFEST, "%s: %s", m->k.name, m->problem);
			continue;
		}
		const char *v = NULL;
		mident id = manifest_identity(&m->kv, &v);
		if (!fits(cp->fam, id))
			continue;
		if (o == -2) {
			note(b, KB_JAVAID_ANOMALY_AMBIGUOUS, "%s could describe several copies, so none", m->k.name);
			continue;
		}
		*ret_id = id;
		*ret_version = v;
		return 0;
	}
	return 0;
}

/* ---- pass 2: the rest ------------------------------------------------------ */

static const struct {
	const char *group, *artifact;
	family fam;
} family_poms[] = {
	{ "org.apache.logging.log4j", "log4j-core", FAM_L2 },
	{ "log4j", "log4j", FAM_L1 },
	{ "ch.qos.reload4j", "reload4j", FAM_L1 },
	{ "org.apache.logging.log4j", "log4j-1.2-api", FAM_L1 },
	{ "org.slf4j", "log4j-over-slf4j", FAM_L1 },
	{ "ch.qos.logback", "logback-classic", FAM_LOGBACK },
};

/* <prefix>META-INF/maven/<group>/<artifact>/pom.properties: true with the parts. */
static bool pom_path(const char *name, size_t len, size_t *prefix_len, const char **g, size_t *glen, const char **a,
                     size_t *alen)
{
	static const char tail[] = "/pom.properties", mid[] = "META-INF/maven/";
	size_t tl = sizeof tail - 1, ml = sizeof mid - 1;
	if (len <= tl || memcmp(name + len - tl, tail, tl) != 0)
		return false;
	size_t end = len - tl, s = end;
	while (s > 0 && name[s - 1] != '/')
		s--;
	if (s == end || s == 0)
		return false;
	*a = name + s;
	*alen = end - s;
	end = s - 1;
	s = end;
	while (s > 0 && name[s - 1] != '/')
		s--;
	if (s == end || s < ml)
		return false;
	*g = name + s;
	*glen = end - s;
	if (memcmp(name + s - ml, mid, ml) != 0 || (s > ml && name[s - ml - 1] != '/'))
		return false;
	*prefix_len = s - ml;
	return true;
}

/* A trimmed malloc'd copy of a pom value, or NULL (with *oom on failure). */
static char *pom_value(const kb_kvset *kv, const char *key, bool *oom_flag)
{
	const char *v = kv ? kb_props_get(kv, key) : NULL;
	if (!v)
		return NULL;
	size_t n;
	const char *t = kb_str_trim(v, &n);
	if (!n)
		return NULL;
	char *s = kb_strndup(t, n);
	if (!s)
		*oom_flag = true;
	return s;
}

static int keep_pom(jctx *c, const kb_zip_entry *e, size_t prefix_len, const char *group, const char *artifact,
                    const char *version)
{
	family fam = FAM__N;
	for (size_t i = 0; i < sizeof family_poms / sizeof family_poms[0]; i++)
		if (strcmp(group, family_poms[i].group) == 0 && strcmp(artifact, family_poms[i].artifact) == 0)
			fam = family_poms[i].fam;
	if (fam == FAM__N)
		return 0;
	int r = record_limit(c, e);
	if (r < 0)
		return r;
	if (grow((void **)&c->poms, &c->cappoms, c->npoms, sizeof *c->poms) < 0)
		return oom(c);
	jpom *p = &c->poms[c->npoms];
	*p = (jpom){ .fam = fam };
	p->prefix = kb_strndup(e->name, prefix_len);
	p->path = kb_strndup(e->name, e->name_len);
	p->group = strdup(group);
	p->artifact = strdup(artifact);
	p->version = version ? strdup(version) : NULL;
	c->npoms++;
	if (!p->prefix || !p->path || !p->group || !p->artifact || (version && !p->version))
		return oom(c);
	return 0;
}

/* Read one pom.properties, report it as a Maven artifact, keep it when it
 * may describe a copy. */
static int handle_pom(jctx *c, const kb_zip_entry *e, size_t prefix_len, const char *g, size_t glen, const char *a,
                      size_t alen)
{
	fbuild b;
	fb_init(&b, KB_JAVAID_MAVEN);
	b.f.path = e->name;
	b.f.status = KB_JAVAID_NOT_JUDGED;
	b.f.how = KB_JAVAID_HOW_POM;
	char *path_g = kb_strndup(g, glen), *path_a = kb_strndup(a, alen);
	char *group = NULL, *artifact = NULL, *version = NULL;
	kb_kvset kv = { 0 };
	bool parsed = false, no_mem = !path_g || !path_a;
	int r = 0;
	if (no_mem)
		goto out;
	if (e->uncompressed_size > KB_PROPS_MAX_BYTES) {
		note(&b, KB_JAVAID_ANOMALY_UNREADABLE, "%s not read: %llu bytes, more than KB_PROPS_MAX_BYTES (%u)",
		     e->name, (unsigned long long)e->uncompressed_size, KB_PROPS_MAX_BYTES);
	} else {
		kb_zip_data d;
		kb_error ze;
		kb_error_clear(&ze);
		r = kb_zip_read(c->z, e, &d, &ze);
		if (r == KB_ENOMEM) {
			no_mem = true;
			goto out;
		}
		if (r < 0) {
			note(&b, KB_JAVAID_ANOMALY_UNREADABLE, "%s not read: %s", e->name, ze.msg);
		} else {
			char name[KB_ERROR_FILE_MAX];
			member_name(c, e->name, name, sizeof name);
			kb_error pe;
			kb_error_clear(&pe);
			r = kb_props_parse(d.bytes, d.size, name, &kv, &pe);
			kb_zip_data_clear(&d);
			if (r == KB_ENOMEM) {
				no_mem = true;
				goto out;
			}
			if (r < 0)
				note(&b, KB_JAVAID_ANOMALY_BAD_POM, "%s: line %llu: %s", e->name,
				     (unsigned long long)pe.line, pe.msg);
			else
				parsed = true;
		}
	}
	r = 0;
	group = pom_value(parsed ? &kv : NULL, "groupId", &no_mem);
	artifact = pom_value(parsed ? &kv : NULL, "artifactId", &no_mem);
	version = pom_value(parsed ? &kv : NULL, "version", &no_mem);
	if (no_mem)
		goto out;
	if (parsed) {
		if (!group)
			note(&b, KB_JAVAID_ANOMALY_BAD_POM, "%s has no groupId; taken from its path", e->name);
		if (!artifact)
			note(&b, KB_JAVAID_ANOMALY_BAD_POM, "%s has no artifactId; taken from its path", e->name);
		if (!version)
			note(&b, KB_JAVAID_ANOMALY_BAD_POM, "%s has no version", e->name);
		if ((group && strcmp(group, path_g) != 0) || (artifact && strcmp(artifact, path_a) != 0))
			note(&b, KB_JAVAID_ANOMALY_POM_PATH, "%s names %s:%s", e->name, group ? group : path_g,
			     artifact ? artifact : path_a);
	}
	b.f.group = group ? group : path_g;
	b.f.artifact = artifact ? artifact : path_a;
	b.f.version = b.f.version_min = b.f.version_max = version;
	if (!version)
		b.f.how = KB_JAVAID_HOW_NONE;
	r = emit(c, &b);
	if (r == 0)
		r = keep_pom(c, e, prefix_len, b.f.group, b.f.artifact, version);
out:
	if (no_mem)
		r = oom(c);
	kb_kvset_free(&kv);
	free(path_g);
	free(path_a);
	free(group);
	free(artifact);
	free(version);
	fb_free(&b);
	return r;
}

/* A manifest at <prefix>META-INF/MANIFEST.MF (any case): true with the prefix length. */
static bool manifest_path(const char *name, size_t len, size_t *prefix_len)
{
	static const char tail[] = "META-INF/MANIFEST.MF";
	size_t tl = sizeof tail - 1;
	if (len < tl || strncasecmp(name + len - tl, tail, tl) != 0 || (len > tl && name[len - tl - 1] != '/'))
		return false;
	*prefix_len = len - tl;
	return true;
}

static int keep_manifest(jctx *c, const kb_zip_entry *e, size_t prefix_len)
{
	int r = record_limit(c, e);
	if (r < 0)
		return r;
	if (grow((void **)&c->mans, &c->capmans, c->nmans, sizeof *c->mans) < 0)
		return oom(c);
	jman *m = &c->mans[c->nmans++];
	memset(m, 0, sizeof *m);
	m->prefix = kb_strndup(e->name, prefix_len);
	if (!m->prefix)
		return oom(c);
	return keep(c, &m->k, e);
}

/* The one walk over the central directory. */
static int walk(jctx *c)
{
	kb_zip_entry e;
	int r;
	kb_zip_rewind(c->z);
	while ((r = kb_zip_next(c->z, &e, c->err)) > 0) {
		if (e.is_dir)
			continue;
		size_t plen, glen, alen, blen;
		const char *g, *a;
		if (pom_path(e.name, e.name_len, &plen, &g, &glen, &a, &alen))
			r = handle_pom(c, &e, plen, g, glen, a, alen);
		else if (manifest_path(e.name, e.name_len, &plen))
			r = keep_manifest(c, &e, plen);
		else if ((blen = class_base(e.name, e.name_len)) != 0)
			r = class_entry(c, &e, blen);
		else
			r = 0;
		if (r != 0)
			return r;
	}
	if (r == 0)
		resolve_pending(c);
	return r;
}

/* ---- log4j-core ------------------------------------------------------------ */

/* Strings that tell log4j-core release lines apart (facts/log4j.md), and the
 * classes whose presence does. */
typedef struct markers {
	bool lookup, manager, dscs;   /* which classes were read */
	bool l17;   /* JndiLookup: "JNDI must be enabled by setting log4j2.enableJndiLookup=true" (2.17.0+, 2.12.3+) */
	bool lerr;  /* JndiLookup: "Error looking up JNDI resource [{}]." (absent from the 2.12.2 backport) */
	bool m15;   /* JndiManager: "Invalid JNDI URI - {}" (2.15.0+) */
	bool m16;   /* JndiManager: "log4j2.enableJndi" (2.16.0+) */
	bool m231;  /* JndiManager: "Unsupported JNDI URI - {}" (2.3.1+) */
	bool mjndi; /* JndiManager: "isJndiEnabled" (2.16+, 2.12.2+) */
	bool jdbc;  /* DataSourceConnectionSource: "log4j2.enableJndiJdbc=true" (CVE-2021-44832 fixed) */
	bool setutils; /* core/util/SetUtils: gone in 2.17.0, kept on the 2.12 and 2.3 lines */
	bool nosql;    /* core/appender/nosql/NoSqlAppender: 2.10.0+ */
} markers;

/* The fixed-for-JDBC split of a line: [a] without the fix, [b] with it,
 * [a, b] when DataSourceConnectionSource was not there to tell. */
static void jdbc_split(vknow *vk, const markers *m, const char *a, const char *b)
{
	if (!m->dscs)
		vk_add(vk, a, b);
	else if (m->jdbc)
		vk_add(vk, b, b);
	else
		vk_add(vk, a, a);
}

/* The versions the markers allow; none when no class was read. */
static void marker_spans(const markers *m, vknow *vk)
{
	if (m->lookup && m->l17) {
		if (!m->setutils) {
			if (!m->dscs)
				vk_add(vk, "2.17.0", NULL);
			else if (m->jdbc)
				vk_add(vk, "2.17.1", NULL);
			else
				vk_add(vk, "2.17.0", "2.17.0");
		} else if (m->nosql) {
			jdbc_split(vk, m, "2.12.3", "2.12.4");
		} else {
			jdbc_split(vk, m, "2.3.1", "2.3.2");
		}
	} else if (m->manager && m->m15) {
		if (!m->m16)
			vk_add(vk, "2.15.0", "2.15.0");
		else if (m->lookup)
			vk_add(vk, "2.16.0", "2.16.0"); /* a 2.17+ JndiLookup would say so */
		else
			vk_add(vk, "2.16.0", NULL);
	} else if ((m->manager && m->m231) || (m->lookup && !m->lerr)) {
		/* a December 2021 backport: 2.12.2 keeps NoSqlAppender and says isJndiEnabled */
		if (m->nosql || m->mjndi)
			vk_add(vk, "2.12.2", "2.12.2");
		else
			jdbc_split(vk, m, "2.3.1", "2.3.2");
	} else if (m->lookup || m->manager) {
		/* a release before the fixes */
		if (!m->nosql)
			vk_add(vk, m->manager ? "2.1" : "2.0-beta9", "2.3");
		vk_add(vk, m->nosql ? "2.10.0" : "2.4", "2.12.1");
		vk_add(vk, "2.13.0", "2.14.1");
	}
}

/* Rows of the hash table that the classes read match. */
static bool hash_match(jctx *c, const cls *lk, const cls *mg, vknow *vk, fbuild *b)
{
	const kb_javaid_hash_table *t = c->hashes;
	bool any_l = false, any_m = false, both = false;
	for (size_t i = 0; i < t->n; i++) {
		const kb_javaid_hash_row *row = &t->rows[i];
		bool l = lk->ok && row->lookup_sha256 && strcasecmp(row->lookup_sha256, lk->sha) == 0;
		bool m = mg->ok && row->manager_sha256 && strcasecmp(row->manager_sha256, mg->sha) == 0;
		any_l |= l;
		any_m |= m;
		both |= l && m;
	}
	if (any_l && any_m && !both) {
		note(b, KB_JAVAID_ANOMALY_HASH_CONFLICT, "the JndiLookup and JndiManager hashes name different releases");
		return false;
	}
	if ((lk->ok && !any_l) || (mg->ok && !any_m))
		note(b, KB_JAVAID_ANOMALY_UNKNOWN_HASH, "%s%s%s in no hash table row", lk->ok && !any_l ? "JndiLookup" : "",
		     lk->ok && !any_l && mg->ok && !any_m ? " and " : "", mg->ok && !any_m ? "JndiManager" : "");
	for (size_t i = 0; i < t->n; i++) {
		const kb_javaid_hash_row *row = &t->rows[i];
		bool l = lk->ok && row->lookup_sha256 && strcasecmp(row->lookup_sha256, lk->sha) == 0;
		bool m = mg->ok && row->manager_sha256 && strcasecmp(row->manager_sha256, mg->sha) == 0;
		if ((both && !(l && m)) || (!both && !l && !m) || !usable(row->version_min))
			continue;
		vk_add(vk, row->version_min, usable(row->version_max) ? row->version_max : row->version_min);
	}
	return vk->n > 0;
}

/* Is a log4j-core root where a class path starts (not relocated)? */
static bool classpath_root(const char *root)
{
	static const char *const bases[] = { "", "WEB-INF/classes/", "BOOT-INF/classes/" };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		if (starts_with(root, bases[i]) && strcmp(root + strlen(bases[i]), canonical[FAM_L2]) == 0)
			return true;
	return false;
}

static const char *span_text(const vknow *vk, char *buf, size_t size)
{
	fbuild tmp;
	memset(&tmp, 0, sizeof tmp);
	vk_describe(vk, &tmp);
	if (tmp.f.version)
		snprintf(buf, size, "%s", tmp.f.version);
	else
		snprintf(buf, size, "%s to %s", tmp.f.version_min ? tmp.f.version_min : "?",
		         tmp.f.version_max ? tmp.f.version_max : "any later");
	return buf;
}

static int judge_log4j_core(jctx *c, size_t idx)
{
	jcopy *cp = &c->copies[idx];
	fbuild b;
	fb_init(&b, KB_JAVAID_LOG4J_CORE);
	b.f.group = "org.apache.logging.log4j";
	b.f.artifact = "log4j-core";
	b.f.path = cp->root;
	cls lk, mg, ds;
	memset(&mg, 0, sizeof mg);
	memset(&ds, 0, sizeof ds);
	int r;
	if ((r = read_class(c, &cp->lookup, &b, &lk)) < 0 || (r = read_class(c, &cp->manager, &b, &mg)) < 0 ||
	    (r = read_class(c, &cp->dscs, &b, &ds)) < 0)
		goto out;
	if (lk.ok) {
		memcpy(b.lsha, lk.sha, sizeof b.lsha);
		b.f.lookup_sha256 = b.lsha;
	}
	if (mg.ok) {
		memcpy(b.msha, mg.sha, sizeof b.msha);
		b.f.manager_sha256 = b.msha;
	}
	vknow hk = { 0 }, mk = { 0 }, vk = { 0 };
	bool hashed = hash_match(c, &lk, &mg, &hk, &b);

	markers m = {
		.lookup = lk.ok, .manager = mg.ok, .dscs = ds.ok,
		.l17 = has(&lk, "JNDI must be enabled by setting log4j2.enableJndiLookup=true"),
		.lerr = has(&lk, "Error looking up JNDI resource [{}]."),
		.m15 = has(&mg, "Invalid JNDI URI - {}"),
		.m16 = has(&mg, "log4j2.enableJndi"),
		.m231 = has(&mg, "Unsupported JNDI URI - {}"),
		.mjndi = has(&mg, "isJndiEnabled"),
		.jdbc = has(&ds, "log4j2.enableJndiJdbc=true"),
		.setutils = cp->setutils,
		.nosql = cp->nosql,
	};
	marker_spans(&m, &mk);

	/* A JndiLookup or JndiManager outside a log4j/core package is Log4j's
	 * only when its hash is known or its bytes say so: JNDI calls (every
	 * release's JndiLookup catches javax/naming/NamingException), a call
	 * from JndiLookup to JndiManager, or a Log4j marker string. */
	if (!ends_with(cp->root, canonical[FAM_L2]) && (lk.ok || mg.ok) && !hashed && !has(&lk, "javax/naming") &&
	    !has(&lk, "JndiManager") && !has(&mg, "javax/naming") && !m.l17 && !m.lerr && !m.m15 && !m.m16 &&
	    !m.m231) {
		r = 0;
		goto out;
	}
	bool relocated = !classpath_root(cp->root);
	kb_javaid_jndi jndi = cp->lookup.name ? (relocated ? KB_JAVAID_JNDI_RELOCATED : KB_JAVAID_JNDI_PRESENT)
	                                      : KB_JAVAID_JNDI_REMOVED;

	char pombuf[KB_VERSION_MAX_LEN + 1], manbuf[KB_VERSION_MAX_LEN + 1], t1[2 * KB_VERSION_MAX_LEN + 32];
	const jpom *pom = pom_for(c, idx, "org.apache.logging.log4j", "log4j-core", &b);
	const char *pomv = pom ? version_copy(pom->version, pombuf, sizeof pombuf) : NULL;
	if (pom && !pomv)
		note(&b, KB_JAVAID_ANOMALY_BAD_POM, "%s gives no usable version", pom->path);
	mident mid;
	const char *manv_raw;
	if ((r = manifest_for(c, idx, &b, &mid, &manv_raw)) < 0)
		goto out;
	const char *manv = mid != MID_NONE ? version_copy(manv_raw, manbuf, sizeof manbuf) : NULL;

	kb_javaid_how how = KB_JAVAID_HOW_NONE;
	const char *claimed = NULL; /* the pom or manifest version chosen */
	if (hashed) {
		vk = hk;
		how = KB_JAVAID_HOW_HASH;
		const char *weaker = pomv ? pomv : manv;
		if (weaker && !vk_contains(&hk, weaker))
			note(&b, KB_JAVAID_ANOMALY_MISMATCH, "%s says %s, the class hashes %s", pomv ? "pom.properties" : "the manifest",
			     weaker, span_text(&hk, t1, sizeof t1));
	} else if (pomv || manv) {
		claimed = pomv ? pomv : manv;
		vk_add(&vk, claimed, claimed);
		how = pomv ? KB_JAVAID_HOW_POM : KB_JAVAID_HOW_MANIFEST;
		if (pomv && manv && strcmp(pomv, manv) != 0)
			note(&b, KB_JAVAID_ANOMALY_MISMATCH, "pom.properties says %s, the manifest %s", pomv, manv);
		if (mk.n && !vk_contains(&mk, claimed))
			note(&b, KB_JAVAID_ANOMALY_MISMATCH, "%s says %s, the classes' markers %s",
			     pomv ? "pom.properties" : "the manifest", claimed, span_text(&mk, t1, sizeof t1));
	} else if (mk.n) {
		vk = mk;
		how = KB_JAVAID_HOW_MARKER;
	} else {
		note(&b, KB_JAVAID_ANOMALY_NO_VERSION, "no class hash, pom.properties, manifest or marker gives the version");
	}

	/* before 2.0-beta9 there was no JndiLookup to remove */
	if (jndi == KB_JAVAID_JNDI_REMOVED && vk.n) {
		bool before = true;
		for (size_t i = 0; i < vk.n; i++)
			before = before && vk.s[i].max && vcmp(vk.s[i].max, "2.0-beta9") < 0;
		if (before)
			jndi = KB_JAVAID_JNDI_NA;
	}

	const size_t nrules = sizeof log4j2_rules / sizeof log4j2_rules[0];
	unsigned certain, possible, jndi_mask = 0;
	judge(log4j2_rules, nrules, &vk, &certain, &possible);
	for (size_t i = 0; i < nrules; i++)
		if (log4j2_rules[i].jndi)
			jndi_mask |= 1u << i;
	unsigned mitigated = 0;
	if (jndi == KB_JAVAID_JNDI_REMOVED || jndi == KB_JAVAID_JNDI_NA) {
		if (jndi == KB_JAVAID_JNDI_REMOVED)
			mitigated = possible & jndi_mask;
		certain &= ~jndi_mask;
		possible &= ~jndi_mask;
	}
	kb_javaid_status status = verdict(&b, log4j2_rules, nrules, &vk, certain, possible);
	for (size_t i = 0; i < nrules; i++)
		if (mitigated & (1u << i))
			list_add(&b, &b.mitigated, log4j2_rules[i].id);
	if (jndi == KB_JAVAID_JNDI_REMOVED && (mitigated || !vk.n))
		status = KB_JAVAID_MITIGATED;

	b.f.how = how;
	b.f.status = status;
	b.f.jndi = jndi;
	vk_describe(&vk, &b);
	r = emit(c, &b);
out:
	cls_clear(&lk);
	cls_clear(&mg);
	cls_clear(&ds);
	fb_free(&b);
	return r;
}

/* ---- log4j 1.x, reload4j and the bridges ------------------------------------ */

enum { BRIDGE_NONE, BRIDGE_API, BRIDGE_SLF4J };

/* A class of org/apache/log4j that calls Log4j 2 or SLF4J is a bridge's. */
static int bridge_of(const cls *x)
{
	if (has(x, "org/apache/logging/log4j/"))
		return BRIDGE_API;
	if (has(x, "org/slf4j/"))
		return BRIDGE_SLF4J;
	return BRIDGE_NONE;
}

/* The verdict of a log4j 1.x copy by the classes it holds. */
static void judge_log4j1_classes(const jcopy *cp, fbuild *b)
{
	static const struct {
		const char *id;
		unsigned needs, fixed_by;
	} rules[] = {
		{ "CVE-2019-17571", L1_SOCKETSERVER, L1_HARDENED },
		{ "CVE-2021-4104", L1_JMSAPPENDER, 0 },
		{ "CVE-2022-23302", L1_JMSSINK, 0 },
		{ "CVE-2022-23305", L1_JDBCAPPENDER, L1_PATTERNPARSER },
		{ "CVE-2022-23307", L1_CHAINSAW, L1_HARDENED },
	};
	bool any = false;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (!(cp->l1 & rules[i].needs))
			list_add(b, &b->mitigated, rules[i].id);
		else if (!(cp->l1 & rules[i].fixed_by)) {
			list_add(b, &b->cves, rules[i].id);
			any = true;
		}
	}
	if (cp->l1 & L1_HARDENED)
		note(b, 0, "net/HardenedObjectInputStream present: a patched build (as Debian's 1.2.17)");
	b->f.jndi = cp->l1 & L1_JMSAPPENDER ? KB_JAVAID_JNDI_PRESENT : KB_JAVAID_JNDI_REMOVED;
	b->f.status = any ? KB_JAVAID_VULNERABLE : (cp->l1 & L1_HARDENED) ? KB_JAVAID_SAFE : KB_JAVAID_MITIGATED;
}

static int judge_log4j1(jctx *c, size_t idx)
{
	jcopy *cp = &c->copies[idx];
	fbuild b;
	fb_init(&b, KB_JAVAID_LOG4J1);
	b.f.path = cp->root;
	cls lg, ct;
	memset(&ct, 0, sizeof ct);
	int r;
	if ((r = read_class(c, &cp->logger, &b, &lg)) < 0)
		goto out;
	int bridge = bridge_of(&lg);
	if (!bridge && (r = read_class(c, &cp->category, &b, &ct)) < 0)
		goto out;
	if (!bridge)
		bridge = bridge_of(&ct);
	bool neutral = !bridge && (lg.ok || ct.ok);

	char vbuf[KB_VERSION_MAX_LEN + 1];
	const jpom *p_log4j = pom_for(c, idx, "log4j", "log4j", &b);
	const jpom *p_reload = pom_for(c, idx, "ch.qos.reload4j", "reload4j", &b);
	const jpom *p_api = pom_for(c, idx, "org.apache.logging.log4j", "log4j-1.2-api", &b);
	const jpom *p_slf4j = pom_for(c, idx, "org.slf4j", "log4j-over-slf4j", &b);
	mident mid;
	const char *manv;
	if ((r = manifest_for(c, idx, &b, &mid, &manv)) < 0)
		goto out;
	bool meta_bridge = (p_api || p_slf4j || mid == MID_API || mid == MID_SLF4J) && !p_log4j && !p_reload;
	if (neutral && meta_bridge)
		note(&b, KB_JAVAID_ANOMALY_MISMATCH, "its metadata names a log4j 1.2 bridge, but Logger.class calls "
		                                     "neither Log4j 2 nor SLF4J: log4j 1.x classes");
	if (!bridge && !neutral && meta_bridge)
		bridge = (p_api || mid == MID_API) ? BRIDGE_API : BRIDGE_SLF4J;

	const jpom *pom;
	mident want;
	if (bridge) {
		b.f.kind = KB_JAVAID_LOG4J1_BRIDGE;
		b.f.group = bridge == BRIDGE_API ? "org.apache.logging.log4j" : "org.slf4j";
		b.f.artifact = bridge == BRIDGE_API ? "log4j-1.2-api" : "log4j-over-slf4j";
		pom = bridge == BRIDGE_API ? p_api : p_slf4j;
		want = bridge == BRIDGE_API ? MID_API : MID_SLF4J;
	} else if (p_reload || mid == MID_RELOAD4J) {
		b.f.kind = KB_JAVAID_RELOAD4J;
		b.f.group = "ch.qos.reload4j";
		b.f.artifact = "reload4j";
		pom = p_reload;
		want = MID_RELOAD4J;
	} else {
		b.f.group = "log4j";
		b.f.artifact = "log4j";
		pom = p_log4j;
		want = MID_LOG4J1;
	}
	const char *v = pom ? version_copy(pom->version, vbuf, sizeof vbuf) : NULL;
	b.f.how = v ? KB_JAVAID_HOW_POM : KB_JAVAID_HOW_NONE;
	if (!v && mid == want && (v = version_copy(manv, vbuf, sizeof vbuf)) != NULL)
		b.f.how = KB_JAVAID_HOW_MANIFEST;
	b.f.version = b.f.version_min = b.f.version_max = v;

	if (bridge) {
		b.f.status = KB_JAVAID_SAFE; /* not log4j 1.x: none of its CVEs */
	} else if (b.f.kind == KB_JAVAID_RELOAD4J) {
		vknow vk = { 0 };
		if (v)
			vk_add(&vk, v, v);
		else
			note(&b, KB_JAVAID_ANOMALY_NO_VERSION, "no pom.properties or manifest gives the reload4j version");
		unsigned certain, possible;
		const size_t n = sizeof reload4j_rules / sizeof reload4j_rules[0];
		judge(reload4j_rules, n, &vk, &certain, &possible);
		b.f.status = verdict(&b, reload4j_rules, n, &vk, certain, possible);
	} else {
		if (!v)
			note(&b, KB_JAVAID_ANOMALY_NO_VERSION, "no pom.properties or manifest gives the log4j version");
		judge_log4j1_classes(cp, &b);
	}
	r = emit(c, &b);
out:
	cls_clear(&lg);
	cls_clear(&ct);
	fb_free(&b);
	return r;
}

/* ---- logback-classic --------------------------------------------------------- */

static int judge_logback(jctx *c, size_t idx)
{
	jcopy *cp = &c->copies[idx];
	fbuild b;
	fb_init(&b, KB_JAVAID_LOGBACK_CLASSIC);
	b.f.group = "ch.qos.logback";
	b.f.artifact = "logback-classic";
	b.f.path = cp->root;
	char vbuf[KB_VERSION_MAX_LEN + 1];
	const jpom *pom = pom_for(c, idx, "ch.qos.logback", "logback-classic", &b);
	const char *v = pom ? version_copy(pom->version, vbuf, sizeof vbuf) : NULL;
	b.f.how = v ? KB_JAVAID_HOW_POM : KB_JAVAID_HOW_NONE;
	mident mid;
	const char *manv;
	int r = manifest_for(c, idx, &b, &mid, &manv);
	if (r < 0)
		goto out;
	if (!v && mid == MID_LOGBACK && (v = version_copy(manv, vbuf, sizeof vbuf)) != NULL)
		b.f.how = KB_JAVAID_HOW_MANIFEST;
	vknow vk = { 0 };
	if (v)
		vk_add(&vk, v, v);
	else
		note(&b, KB_JAVAID_ANOMALY_NO_VERSION, "no pom.properties or manifest gives the logback-classic version");
	unsigned certain, possible;
	const size_t n = sizeof logback_rules / sizeof logback_rules[0];
	judge(logback_rules, n, &vk, &certain, &possible);
	b.f.status = verdict(&b, logback_rules, n, &vk, certain, possible);
	b.f.version = b.f.version_min = b.f.version_max = v;
	r = emit(c, &b);
out:
	fb_free(&b);
	return r;
}

/* ---- the entry point ------------------------------------------------------- */

static void ctx_free(jctx *c)
{
	for (size_t i = 0; i < c->ncopies; i++) {
		jcopy *cp = &c->copies[i];
		free(cp->root);
		kept_free(&cp->lookup);
		kept_free(&cp->manager);
		kept_free(&cp->dscs);
		kept_free(&cp->logger);
		kept_free(&cp->category);
	}
	free(c->copies);
	kb_map_free(&c->index, NULL);
	for (size_t i = 0; i < c->npoms; i++) {
		jpom *p = &c->poms[i];
		free(p->prefix);
		free(p->path);
		free(p->group);
		free(p->artifact);
		free(p->version);
	}
	free(c->poms);
	for (size_t i = 0; i < c->nmans; i++) {
		jman *m = &c->mans[i];
		free(m->prefix);
		kept_free(&m->k);
		kb_kvset_free(&m->kv);
		free(m->problem);
	}
	free(c->mans);
	for (size_t i = 0; i < c->npends; i++) {
		free(c->pends[i].root);
		kept_free(&c->pends[i].k);
	}
	free(c->pends);
}

int kb_javaid_archive_opts(kb_zip *z, const kb_javaid_opts *opts, kb_javaid_cb cb, void *ctx, kb_error *err)
{
	jctx c = {
		.z = z,
		.hashes = opts && opts->hashes ? opts->hashes : &builtin_table,
		.cb = cb,
		.cbctx = ctx,
		.err = err,
	};
	_Static_assert(sizeof log4j2_rules / sizeof log4j2_rules[0] <= MAX_RULES, "rule masks");
	if (!z || !cb)
		return kb_error_set(err, KB_EINVAL, "(javaid)", 0, 0, KB_NO_OFFSET, "no archive or no callback");
	int r = walk(&c);
	for (size_t i = 0; r == 0 && i < c.ncopies; i++) {
		switch (c.copies[i].fam) {
		case FAM_L2: r = judge_log4j_core(&c, i); break;
		case FAM_L1: r = judge_log4j1(&c, i); break;
		case FAM_LOGBACK: r = judge_logback(&c, i); break;
		default: break;
		}
	}
	ctx_free(&c);
	return r;
}

int kb_javaid_archive(kb_zip *z, kb_javaid_cb cb, void *ctx, kb_error *err)
{
	return kb_javaid_archive_opts(z, NULL, cb, ctx, err);
}
