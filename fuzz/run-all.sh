#!/usr/bin/env bash
# Run every libFuzzer target for FUZZ_SECONDS (default 300) each, seeded from
# fuzz/seeds/TARGET and the past crash inputs. A crash input is left in
# fuzz/crashes/TARGET/; copy it into tests/vectors/fuzz-regressions/TARGET/
# once fixed, where the replay tests keep it fixed.
# Usage: fuzz/run-all.sh BUILD_DIR [TARGET...]
set -u
build=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-300}
targets=${*:-purl cpe ledger-csv ledger-json ledger-cyclonedx ledger-spdx version advisory-osv advisory-cve5 advisory-csaf advisory-cisagov feeds netscan zip java-release scan-classify pom-properties manifest log4shell stix-pattern stix misp ioc-list ioc-tokens hunt-input fields-combined fields-json fields-syslog fields-w3c netflow pcap-sessions pcap-file zeek-tsv zeek-json nfcsv ndr-config}
status=0
for t in $targets; do
	corpus="$root/fuzz/corpus-$t"
	crashes="$root/fuzz/crashes/$t"
	mkdir -p "$corpus" "$crashes"
	echo "== fuzz-$t for ${secs}s"
	dirs=("$corpus" "$root/fuzz/seeds/$t")
	[ -d "$root/tests/vectors/fuzz-regressions/$t" ] && dirs+=("$root/tests/vectors/fuzz-regressions/$t")
	"$build/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "${dirs[@]}" 2>&1 |
		grep -E "^Done|DONE|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written|No such" || true
	if ls "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* >/dev/null 2>&1; then
		echo "fuzz-$t: crash inputs in $crashes"
		status=1
	fi
done
exit $status
