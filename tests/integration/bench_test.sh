#! /usr/bin/atf-sh
# The benchmark driver's own logic (parsing, medians, tables, configs);
# the benchmarks themselves are never run by the test suite.

atf_test_case self_test
self_test_head() {
	atf_set descr "bench/bench.py --self-test passes"
	atf_set require.progs python3
}
self_test_body() {
	atf_check -o inline:'bench.py self-test: ok\n' \
	    python3 "$(atf_config_get srcdir)/bench/bench.py" --self-test
}

atf_init_test_cases() {
	atf_add_test_case self_test
}
