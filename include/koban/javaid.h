/*
 * javaid.h - which Java libraries one archive level holds, how each was
 * identified, and the Log4j verdict of every copy.
 *
 * kb_javaid_archive() looks at one opened archive (a jar, war, ear or zip as a
 * kb_zip) and calls back once per finding in that archive level. It does not
 * open nested archives: the caller walks the chain (opening each nested
 * archive with kb_zip_open_entry()) and calls it once per level.
 *
 * Findings:
 *   KB_JAVAID_MAVEN            every META-INF/maven/<group>/<artifact>/pom.properties
 *                              (any prefix): a component, not judged here
 *   KB_JAVAID_LOG4J_CORE       one per copy of log4j-core classes
 *   KB_JAVAID_LOG4J1           one per copy of log4j 1.x (org/apache/log4j/Logger)
 *   KB_JAVAID_RELOAD4J         such a copy that its pom or manifest names reload4j
 *   KB_JAVAID_LOG4J1_BRIDGE    such a copy that is log4j-1.2-api or log4j-over-slf4j:
 *                              its Logger or Category class calls Log4j 2 or SLF4J
 *                              (or, when neither can be read, its pom or manifest
 *                              names the bridge); not log4j 1.x. Classes that call
 *                              neither are log4j 1.x whatever the metadata says.
 *   KB_JAVAID_LOGBACK_CLASSIC  one per copy of ch/qos/logback/classic
 *
 * A log4j-core copy is the set of classes under one package directory, the
 * copy's root: the directory holding lookup/JndiLookup and net/JndiManager
 * ("org/apache/logging/log4j/core/", a shaded "com/acme/shaded/org/apache/
 * logging/log4j/core/", or "" for a root-level lookup/JndiLookup.class). A
 * root is found from JndiLookup, from JndiManager, or, with both removed, from
 * core/LoggerContext or core/Logger under a directory ending in "log4j/core/".
 * Classes may be stored as .class, .esclazz or .classdata; a
 * "META-INF/versions/N/" part of a path (multi-release jars) is ignored, so
 * those classes join the copy they belong to. A fat jar with two copies gives
 * two findings, each with its own verdict. A JndiLookup or JndiManager whose
 * root does not end in "org/apache/logging/log4j/core/" counts only when its
 * hash is known or its bytes show it is Log4j's (a javax/naming reference,
 * JndiLookup calling JndiManager, or a marker string): another library's
 * class of that name is not reported.
 *
 * A copy's version comes from the strongest evidence there is:
 *   1. hash      SHA-256 of JndiLookup and JndiManager against a table
 *                (kb_javaid_builtin_hashes(), or the caller's); when both
 *                classes are there, a row must match both
 *   2. pom       a log4j-core pom.properties that belongs to the copy: the one
 *                whose META-INF/maven sits at the copy's root prefix, or the
 *                only copy under that prefix
 *   3. manifest  a META-INF/MANIFEST.MF that belongs to the copy the same way
 *                and names log4j-core (Bundle-SymbolicName, Implementation-Title)
 *   4. marker    strings inside JndiLookup, JndiManager and DataSourceConnection-
 *                Source and the presence of a few classes, which tell the
 *                release lines apart (see scan-javaid.c)
 * Weaker evidence that disagrees with the chosen one is an anomaly. Evidence
 * can name a range of versions (identical classes across releases): the
 * finding gives its bounds, and `version` only when it is exact.
 *
 * Verdicts (log4j-core): a CVE is in `cves` when every version the evidence
 * allows is affected, in `cves_possible` when only some are. With JndiLookup
 * absent from a copy whose version would have it, CVE-2021-44228 and
 * CVE-2021-45046 cannot be reached: they move to `cves_mitigated` and the
 * copy is "mitigated" (the official mitigation); the CVEs that remain
 * (CVE-2021-45105, CVE-2021-44832) stay listed. A JndiLookup under a
 * relocated package is present ("relocated"), never mitigated. Status:
 *   vulnerable  some CVE applies for sure
 *   mitigated   JndiLookup removed from a copy the JNDI CVEs would affect
 *               (or whose version is unknown)
 *   unknown     no version, or CVEs that only may apply
 *   safe        no CVE can apply (2.17.1+, 2.12.4, 2.3.2)
 * log4j 1.x is judged by its classes: CVE-2019-17571 (net/SocketServer),
 * CVE-2021-4104 (net/JMSAppender), CVE-2022-23302 (net/JMSSink),
 * CVE-2022-23305 (jdbc/JDBCAppender without the jdbc/JdbcPatternParser fix),
 * CVE-2022-23307 (chainsaw/); the deserialisation ones are fixed when the
 * hardened net/HardenedObjectInputStream is there (Debian's patched 1.2.17),
 * which makes a copy with no CVE left "safe"; with the classes merely removed
 * it is "mitigated". reload4j and logback-classic are judged by version.
 *
 * Ownership: a finding and every string in it are borrowed for the duration
 * of the callback. The archive is borrowed; its walk position is left at the
 * end. Not thread-safe per archive (as kb_zip).
 */
#ifndef KOBAN_JAVAID_H
#define KOBAN_JAVAID_H

#include "koban/koban.h"
#include "koban/zip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. KB_JAVAID_MAX_RECORDS is enforced with KB_ELIMIT; the others make
 * an entry unreadable (an anomaly on its finding), not the archive. */
#define KB_JAVAID_MAX_RECORDS 4096u          /* copies, Log4j-family pom.properties and manifests kept per archive */
#define KB_JAVAID_MAX_CLASS_BYTES (1u << 20) /* a class read to be hashed or searched for markers */
#define KB_JAVAID_MANIFEST_SECTIONS 16u      /* named manifest sections read after the main one */

typedef enum kb_javaid_kind {
	KB_JAVAID_MAVEN = 1,
	KB_JAVAID_LOG4J_CORE,
	KB_JAVAID_LOG4J1,
	KB_JAVAID_RELOAD4J,
	KB_JAVAID_LOGBACK_CLASSIC,
	KB_JAVAID_LOG4J1_BRIDGE,
} kb_javaid_kind;

/* How the version was identified. */
typedef enum kb_javaid_how {
	KB_JAVAID_HOW_NONE = 0, /* no version */
	KB_JAVAID_HOW_HASH,
	KB_JAVAID_HOW_POM,
	KB_JAVAID_HOW_MANIFEST,
	KB_JAVAID_HOW_MARKER,
} kb_javaid_how;

typedef enum kb_javaid_status {
	KB_JAVAID_NOT_JUDGED = 0, /* Maven artifacts: judged later against advisories */
	KB_JAVAID_UNKNOWN,
	KB_JAVAID_SAFE,
	KB_JAVAID_MITIGATED,
	KB_JAVAID_VULNERABLE,
} kb_javaid_status;

/* The JNDI class of a copy: JndiLookup for log4j-core, JMSAppender for
 * log4j 1.x; n/a for the rest. */
typedef enum kb_javaid_jndi {
	KB_JAVAID_JNDI_NA = 0,
	KB_JAVAID_JNDI_PRESENT,
	KB_JAVAID_JNDI_REMOVED,
	KB_JAVAID_JNDI_RELOCATED, /* present, under a relocated (shaded) package */
} kb_javaid_jndi;

/* Anomalies: evidence that is missing, broken or contradictory. The finding's
 * `notes` says which entry and what. */
enum {
	KB_JAVAID_ANOMALY_UNREADABLE = 1u << 0,    /* a class, pom.properties or manifest could not be read */
	KB_JAVAID_ANOMALY_BAD_POM = 1u << 1,       /* pom.properties malformed or lacking groupId/artifactId/version */
	KB_JAVAID_ANOMALY_POM_PATH = 1u << 2,      /* pom.properties names other coordinates than its path */
	KB_JAVAID_ANOMALY_BAD_MANIFEST = 1u << 3,  /* the manifest is malformed */
	KB_JAVAID_ANOMALY_HASH_CONFLICT = 1u << 4, /* JndiLookup and JndiManager hashes name different versions */
	KB_JAVAID_ANOMALY_UNKNOWN_HASH = 1u << 5,  /* class hashes in no table row: a rebuilt jar */
	KB_JAVAID_ANOMALY_MISMATCH = 1u << 6,      /* weaker evidence names another version */
	KB_JAVAID_ANOMALY_AMBIGUOUS = 1u << 7,     /* a pom.properties or manifest could belong to several copies */
	KB_JAVAID_ANOMALY_NO_VERSION = 1u << 8,    /* no evidence of the version */
};

/* One sentence for one anomaly bit; never NULL. */
const char *kb_javaid_anomaly_text(uint32_t bit);

typedef struct kb_javaid_finding {
	kb_javaid_kind kind;
	const char *group;          /* Maven coordinates; NULL when unknown (a pom without groupId) */
	const char *artifact;
	const char *version;        /* exact version, or NULL when unknown or only a range is known */
	const char *version_min;    /* bounds of what the evidence allows (inclusive); NULL: unknown / */
	const char *version_max;    /* no upper bound */
	kb_javaid_how how;
	kb_javaid_status status;
	const char *cves;           /* comma-separated CVEs that apply; "" when none */
	const char *cves_possible;  /* CVEs that apply to some of the versions allowed; "" when none */
	const char *cves_mitigated; /* CVEs a removed class keeps from applying; "" when none */
	kb_javaid_jndi jndi;
	const char *path;           /* in the archive: the copy's root ("org/apache/logging/log4j/core/",
	                               "" at the top level), or the pom.properties of a Maven artifact */
	const char *lookup_sha256;  /* log4j-core: hex SHA-256 of JndiLookup / JndiManager as read; */
	const char *manager_sha256; /* NULL when absent or unread */
	uint32_t anomalies;         /* KB_JAVAID_ANOMALY_* */
	const char *notes;          /* "" or sentences joined by "; " */
} kb_javaid_finding;

/* Called once per finding. Return 0 to go on; anything else stops the walk
 * and is returned by kb_javaid_archive(). */
typedef int (*kb_javaid_cb)(void *ctx, const kb_javaid_finding *f);

/* A row of the class-hash table: the releases [version_min, version_max]
 * whose JndiLookup and JndiManager have these SHA-256 hashes (64 hex digits,
 * either case; NULL when the releases lack the class). */
typedef struct kb_javaid_hash_row {
	const char *version_min;
	const char *version_max;
	const char *lookup_sha256;
	const char *manager_sha256;
} kb_javaid_hash_row;

typedef struct kb_javaid_hash_table {
	const kb_javaid_hash_row *rows;
	size_t n;
} kb_javaid_hash_table;

/* The table of Maven Central releases (and Debian's 2.19.0 build); static. */
const kb_javaid_hash_table *kb_javaid_builtin_hashes(void);

typedef struct kb_javaid_opts {
	const kb_javaid_hash_table *hashes; /* NULL: kb_javaid_builtin_hashes(); borrowed for the call */
} kb_javaid_opts;

/* Identify what archive `z` holds (this level only) and call `cb` per
 * finding: Maven artifacts in central-directory order as their
 * pom.properties are met, then the library copies in the order their first
 * class was met. Returns 0, the callback's nonzero value, or a negative code:
 *   KB_ELIMIT  more than KB_JAVAID_MAX_RECORDS records to keep (a hostile
 *              archive); no library finding was reported (Maven artifacts
 *              met before the limit may have been)
 *   KB_EINVAL  `z` or `cb` is NULL
 *   KB_ENOMEM, or an error walking the central directory
 * A class, pom.properties or manifest that cannot be read (encrypted,
 * corrupt, over a limit or the inflation budget) is an anomaly on the
 * finding it was evidence for, not an error. */
int kb_javaid_archive(kb_zip *z, kb_javaid_cb cb, void *ctx, kb_error *err);
int kb_javaid_archive_opts(kb_zip *z, const kb_javaid_opts *opts, kb_javaid_cb cb, void *ctx, kb_error *err);

/* "maven", "log4j-core", "log4j1", "reload4j", "logback-classic",
 * "log4j1-bridge"; "-", "hash", "pom", "manifest", "marker"; "-",
 * "unknown", "safe", "mitigated", "vulnerable"; "n/a", "present",
 * "removed", "relocated". Never NULL. */
const char *kb_javaid_kind_name(kb_javaid_kind k);
const char *kb_javaid_how_name(kb_javaid_how h);
const char *kb_javaid_status_name(kb_javaid_status s);
const char *kb_javaid_jndi_name(kb_javaid_jndi j);

#ifdef __cplusplus
}
#endif
#endif
