#!/bin/sh
# Print "N passed, M failed" from a Kyua results file (Kyua has no such
# line).  Skipped and expected failures count as passed; broken counts as
# failed.  Exit status: 0 only when nothing failed.
db=${1:?usage: summary.sh results.db}
if [ ! -s "$db" ]; then
	echo "0 passed, 1 failed"
	echo "summary: no results in $db (kyua did not run)" >&2
	exit 1
fi
report=$(kyua report --results-file="$db" --verbose 2>&1)
counts=$(kyua report --results-file="$db" 2>&1 | \
    sed -n 's/^Test cases: \([0-9]*\) total, \([0-9]*\) skipped, \([0-9]*\) expected failures, \([0-9]*\) broken, \([0-9]*\) failed.*/\1 \2 \3 \4 \5/p')
if [ -z "$counts" ]; then
	echo "$report"
	echo "0 passed, 1 failed"
	exit 1
fi
set -- $counts
total=$1 broken=$4 failed=$5
bad=$((broken + failed))
good=$((total - bad))
if [ "$bad" -ne 0 ]; then
	# The failing cases with their reasons, then their stderr: enough to
	# act on from a CI log alone.
	kyua report --results-file="$db" --results-filter=broken,failed \
	    --verbose 2>&1 | tail -n 400
fi
echo "$good passed, $bad failed"
[ "$bad" -eq 0 ]
