/*
 * store-migrate.c - the schema, as an ordered list of migrations.
 *
 * PRAGMA user_version holds the number of migrations applied. Opening a store
 * applies the missing ones, in order, in one transaction, so a store is either
 * at the old version or the new one, never in between. A migration is never
 * edited once released: a change of schema is a new entry at the end.
 *
 * Ledger invariants the schema enforces:
 *  - asset.name is unique; category and form_factor are from fixed sets;
 *  - an interface is unique per (asset, address, port, protocol); port 0 and
 *    protocol '' mean "not given";
 *  - a component is unique per (asset, source, ecosystem, name, version,
 *    evidence), with '' for "not given", so re-importing updates instead of
 *    duplicating; `origin` names the document that asserted it (an SBOM file,
 *    a scanned root) so that document's next import can replace its rows.
 *    That key is the table's primary key in a WITHOUT ROWID table: one B-tree
 *    to maintain per row instead of a table and an index.
 *  - component is the hot table of every import (a million rows), so it
 *    carries no FOREIGN KEY and no CHECK: measured on 1,000,000 upserts, the
 *    foreign-key probe and a CHECK on `source` cost 0.7 s and 0.35 s of a 1.1 s
 *    insert (docs/BENCHMARKS.md). Instead the only writer, ledger-write.c,
 *    resolves asset_id from the asset's name inside the same transaction and
 *    writes `source` from kb_source_name() and a non-empty name; a trigger
 *    deletes an asset's components with the asset. The ledger tests check
 *    there are never orphans. Other indexes on component are added only with
 *    a measured query that needs them.
 *  - deleting an asset deletes its interfaces and components.
 */
#include "store-internal.h"

#include <stdio.h>

static const char *const migrations[] = {
	/* 1: the ledger */
	"CREATE TABLE asset ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
	"  category TEXT NOT NULL CHECK (category IN ('external','internal','saas','client')),"
	"  business_owner TEXT, technical_owner TEXT,"
	"  vendor TEXT, product TEXT, version TEXT, modules TEXT,"
	"  form_factor TEXT CHECK (form_factor IN ('hardware','virtual','cloud','saas','software')),"
	"  environment TEXT, notes TEXT, tags TEXT,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE interface ("
	"  id INTEGER PRIMARY KEY,"
	"  asset_id INTEGER NOT NULL REFERENCES asset(id) ON DELETE CASCADE,"
	"  address TEXT NOT NULL CHECK (length(address) > 0),"
	"  port INTEGER NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),"
	"  protocol TEXT NOT NULL DEFAULT '',"
	"  role TEXT NOT NULL CHECK (role IN ('management','service')),"
	"  exposure TEXT NOT NULL CHECK (exposure IN ('public','internal','unknown')),"
	"  exposure_given INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (asset_id, address, port, protocol)"
	");"
	"CREATE TABLE component ("
	"  asset_id INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  ecosystem TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL,"
	"  version TEXT NOT NULL DEFAULT '',"
	"  evidence TEXT NOT NULL DEFAULT '',"
	"  purl TEXT, cpe TEXT,"
	"  origin TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (asset_id, source, ecosystem, name, version, evidence)"
	") WITHOUT ROWID;"
	"CREATE TRIGGER asset_delete_components AFTER DELETE ON asset BEGIN"
	"  DELETE FROM component WHERE asset_id = old.id;"
	"END;",
	/* 2: advisories, kept as the documents they came in (issue 3). A document
	 * is re-read by its reader when matched, so every fact stays with its
	 * source file and import time; advisory_key indexes what each one names
	 * (a package: ecosystem + name; a product: vendor + product), lower-cased. */
	"CREATE TABLE advisory_doc ("
	"  id INTEGER PRIMARY KEY,"
	"  advisory TEXT NOT NULL UNIQUE,"
	"  format TEXT NOT NULL CHECK (format IN ('osv','cve5')),"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  body TEXT NOT NULL"
	");"
	"CREATE TABLE advisory_key ("
	"  k1 TEXT NOT NULL,"
	"  k2 TEXT NOT NULL,"
	"  doc_id INTEGER NOT NULL REFERENCES advisory_doc(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (k1, k2, doc_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX advisory_key_doc ON advisory_key(doc_id);",
	/* 3: the feeds that rank and date findings: CISA KEV, FIRST EPSS and
	 * endoflife.date release cycles, each row with its source and import time.
	 * eol_name maps the names a product is known by (its slug, label,
	 * aliases, and purls without version) to it, lower-cased. */
	"CREATE TABLE kev ("
	"  cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT,"
	"  date_added TEXT, due_date TEXT, ransomware TEXT,"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE epss ("
	"  cve TEXT PRIMARY KEY, epss REAL NOT NULL, percentile REAL NOT NULL, score_date TEXT,"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE eol_product ("
	"  product TEXT PRIMARY KEY, label TEXT,"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE eol_name ("
	"  name TEXT NOT NULL,"
	"  product TEXT NOT NULL REFERENCES eol_product(product) ON DELETE CASCADE,"
	"  PRIMARY KEY (name, product)"
	") WITHOUT ROWID;"
	"CREATE TABLE eol_cycle ("
	"  product TEXT NOT NULL REFERENCES eol_product(product) ON DELETE CASCADE,"
	"  cycle TEXT NOT NULL, release_date TEXT, eol_from TEXT, is_eol INTEGER NOT NULL DEFAULT 0,"
	"  latest TEXT,"
	"  PRIMARY KEY (product, cycle)"
	") WITHOUT ROWID;",
	/* 4: ports seen by network scans (nmap XML), from outside or inside. */
	"CREATE TABLE scan_port ("
	"  address TEXT NOT NULL, port INTEGER NOT NULL, protocol TEXT NOT NULL,"
	"  vantage TEXT NOT NULL CHECK (vantage IN ('external','internal')),"
	"  state TEXT NOT NULL, service TEXT, product TEXT, scanned TEXT,"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  PRIMARY KEY (address, port, protocol, vantage)"
	") WITHOUT ROWID;",
	/* 5: OpenVEX statements: what a vendor or the team says of a
	 * vulnerability in a product (a purl, with or without version, or an
	 * asset name), lower-cased. */
	"CREATE TABLE vex ("
	"  vulnerability TEXT NOT NULL, product TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('not_affected','affected','fixed','under_investigation')),"
	"  justification TEXT, impact TEXT, action TEXT, author TEXT,"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  PRIMARY KEY (vulnerability, product)"
	") WITHOUT ROWID;",
	/* 6: advisories from more readers (CSAF, vendor status lists); identity
	 * by (format, advisory, origin): origin is "" for feeds whose ids are
	 * global (OSV, CVE, CSAF) and the file's name for lists that each speak of
	 * the same CVEs. advisory_key now carries the compact record of the
	 * advisory (advisory-pack.c) for each name it gives, clustered by name
	 * and then advisory: matching one package reads one run of rows, in
	 * order, and never the documents (rows migrated from schema 5 have no
	 * record; their document is read instead). */
	"CREATE TABLE advisory_doc6 ("
	"  id INTEGER PRIMARY KEY,"
	"  advisory TEXT NOT NULL,"
	"  format TEXT NOT NULL CHECK (format IN ('osv','cve5','csaf','cisagov')),"
	"  origin TEXT NOT NULL DEFAULT '',"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  body TEXT NOT NULL,"
	"  UNIQUE (format, advisory, origin)"
	");"
	"INSERT INTO advisory_doc6(id, advisory, format, source, imported, body)"
	"  SELECT id, advisory, format, source, imported, body FROM advisory_doc;"
	"CREATE TABLE advisory_key6 ("
	"  k1 TEXT NOT NULL,"
	"  k2 TEXT NOT NULL,"
	"  advisory TEXT NOT NULL,"
	"  format TEXT NOT NULL,"
	"  origin TEXT NOT NULL,"
	"  doc_id INTEGER NOT NULL REFERENCES advisory_doc6(id) ON DELETE CASCADE,"
	"  packed BLOB,"
	"  PRIMARY KEY (k1, k2, advisory, format, origin)"
	") WITHOUT ROWID;"
	"INSERT OR IGNORE INTO advisory_key6(k1, k2, advisory, format, origin, doc_id)"
	"  SELECT k.k1, k.k2, d.advisory, d.format, '', k.doc_id FROM advisory_key k"
	"  JOIN advisory_doc d ON d.id = k.doc_id;"
	"DROP TABLE advisory_key;"
	"DROP TABLE advisory_doc;"
	"ALTER TABLE advisory_doc6 RENAME TO advisory_doc;"
	"ALTER TABLE advisory_key6 RENAME TO advisory_key;"
	"CREATE INDEX advisory_key_doc ON advisory_key(doc_id);"
	"CREATE INDEX advisory_doc_id ON advisory_doc(advisory);",
	/* 7: indicators of compromise (ioc-store.c), one row per (type, value,
	 * source): source is the file's name as given to the import, which
	 * deletes that source's rows first, so a re-import replaces what the
	 * file said. Revoked, expired and to_ids=0 rows are kept; the matching
	 * set leaves them out. Dates are ISO 8601 text as the source wrote them;
	 * confidence is 0..100 or NULL. */
	"CREATE TABLE ioc ("
	"  type TEXT NOT NULL CHECK (type IN ('ipv4','ipv6','domain','url','url-prefix','md5','sha1','sha256',"
	"    'file-name','email','port')),"
	"  value TEXT NOT NULL CHECK (length(value) > 0),"
	"  source TEXT NOT NULL,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  first_seen TEXT, last_seen TEXT,"
	"  confidence INTEGER CHECK (confidence BETWEEN 0 AND 100),"
	"  valid_until TEXT,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  to_ids INTEGER NOT NULL DEFAULT 1,"
	"  ref TEXT, label TEXT,"
	"  PRIMARY KEY (type, value, source)"
	") WITHOUT ROWID;"
	"CREATE INDEX ioc_source ON ioc(source);",
	/* 8: hunt hits (hunt-store.c). A hit is identified by where it is and
	 * what it is (file as given to the hunt, byte offset, kind, what
	 * matched), so hunting the same logs again updates rows instead of
	 * adding them; first_hunted/last_hunted say when. The asset is the
	 * ledger's, linked by --asset or by the host the log names; it goes
	 * NULL, not away, when the asset is deleted. */
	"CREATE TABLE hunt_hit ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL, line INTEGER NOT NULL, offset INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, class TEXT NOT NULL"
	"    CHECK (class IN ('attempt','scanner','success','second-stage','ioc')),"
	"  what TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',"
	"  time TEXT, epoch INTEGER, source TEXT, host TEXT,"
	"  asset_id INTEGER REFERENCES asset(id) ON DELETE SET NULL,"
	"  first_hunted TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  last_hunted TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE (file, offset, kind, what)"
	");"
	"CREATE INDEX hunt_hit_asset ON hunt_hit(asset_id);",
	/* 9: flow records (flow-store.c). A source is one imported file,
	 * replaced when imported again; its records are runs of fixed-size
	 * records sorted by start time, one blob each (t_min/t_max in
	 * microseconds select the runs of a window); names from ssl, http and
	 * dns logs keep the addresses (16-byte blobs, IPv4-mapped) they were
	 * seen between. */
	"CREATE TABLE flow_source ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  format TEXT NOT NULL,"
	"  rows INTEGER NOT NULL DEFAULT 0, names INTEGER NOT NULL DEFAULT 0,"
	"  t_min INTEGER, t_max INTEGER,"
	"  imported TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
	");"
	"CREATE TABLE flow_run ("
	"  source_id INTEGER NOT NULL REFERENCES flow_source(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL, rows INTEGER NOT NULL,"
	"  t_min INTEGER NOT NULL, t_max INTEGER NOT NULL,"
	"  data BLOB NOT NULL,"
	"  UNIQUE (source_id, seq)"
	");"
	"CREATE INDEX flow_run_time ON flow_run(t_min, t_max);"
	"CREATE TABLE flow_name ("
	"  source_id INTEGER NOT NULL REFERENCES flow_source(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('sni','http-host','dns-query')),"
	"  ts INTEGER NOT NULL, orig BLOB NOT NULL, resp BLOB NOT NULL, resp_port INTEGER NOT NULL,"
	"  name TEXT NOT NULL, uid TEXT, qtype INTEGER, rcode INTEGER"
	");"
	"CREATE INDEX flow_name_pair ON flow_name(orig, resp);"
	"CREATE INDEX flow_name_time ON flow_name(kind, ts);"
	"CREATE INDEX flow_name_source ON flow_name(source_id);",
};

int kb_store_schema_latest(void)
{
	return (int)(sizeof migrations / sizeof migrations[0]);
}

int kb_store_migrate(kb_store *s, kb_error *err)
{
	int have = kb_store_schema_version(s);
	if (have < 0)
		return kb_store_fail(s, err, "read schema version");
	int latest = kb_store_schema_latest();
	if (have > latest)
		return kb_error_set(err, KB_ESCHEMA, s->path, 0, 0, KB_NO_OFFSET,
		                    "store schema %d is newer than this koban (%d)", have, latest);
	if (have == latest)
		return 0;
	int r = kb_store_exec(s, "BEGIN IMMEDIATE", err);
	if (r < 0)
		return r;
	for (int i = have; i < latest && r == 0; i++)
		r = kb_store_exec(s, migrations[i], err);
	if (r == 0) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version=%d", latest);
		r = kb_store_exec(s, sql, err);
	}
	if (r == 0)
		r = kb_store_exec(s, "COMMIT", err);
	if (r < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}
