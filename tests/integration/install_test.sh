#! /usr/bin/env atf-sh
#
# make install into a scratch DESTDIR, then check what a packager would
# ship: every file in place, every @...@ path substituted, man pages clean
# under mandoc's lint, the rc.d script valid sh, the systemd unit accepted
# by systemd-analyze, the logrotate file by logrotate, and the installed
# configuration accepted by the installed tamarind.  Tools a machine lacks
# skip their case, saying which package has them.

# tm_install [make args...]: install the build tree into ./root as
# "make install PREFIX=/usr" does for a Debian package.
tm_install() {
	_src=$(atf_config_get srcdir)
	_bld=$(atf_config_get builddir)
	[ -x "${_bld}/tamarind" ] || atf_fail "no ${_bld}/tamarind: build first"
	# A sanitizer tree is build-<flags>: keep its flags, should anything
	# be out of date and rebuilt there.
	_san=
	case ${_bld##*/} in
	build-*)
		_san=$(echo "${_bld##*/build-}" | tr - ,)
		# Only a list of sanitizers names such a tree.
		echo "$_san" | grep -Eqx '(address|undefined|leak|thread|memory)(,(address|undefined|leak|thread|memory))*' ||
		    _san=
		;;
	esac
	# Not the calling make's jobserver: its descriptors are not ours.
	unset MAKEFLAGS MFLAGS MAKELEVEL
	if ! make -s -C "${_src}" install PREFIX=/usr DESTDIR="${PWD}/root" \
	    BUILDDIR="${_bld}" ${_san:+SANITIZE=${_san}} "$@" \
	    >install.log 2>&1; then
		cat install.log >&2
		atf_fail "make install failed"
	fi
}

# The paths "make install PREFIX=/usr" substitutes.
SBINDIR=/usr/sbin
SYSCONFDIR=/etc
RUNDIR=/run/tamarin
LOGDIR=/var/log/tamarin
LIBDIR=/usr/lib/tamarin
WWWDIR=/usr/share/tamarin/www
MANDIR=/usr/share/man
SYSTEMDDIR=/usr/lib/systemd/system
LOGROTATEDIR=/etc/logrotate.d
# Installed on FreeBSD only, unless given: the cases that want the rc.d
# script give it.
RCDIR=/usr/etc/rc.d

CONF="root${SYSCONFDIR}/tamarin/tamarin.conf"
UNIT="root${SYSTEMDDIR}/tamarind.service"
RCD="root${RCDIR}/tamarind"
LOGROTATE="root${LOGROTATEDIR}/tamarin"
PAGES="root${MANDIR}/man8/tamarind.8 root${MANDIR}/man5/tamarin.conf.5
root${MANDIR}/man8/tamarinctl.8"

# tm_moved_conf: the installed configuration, its paths moved under the
# DESTDIR, as moved.conf.
tm_moved_conf() {
	sed -e "s|\"${WWWDIR}\"|\"${PWD}/root${WWWDIR}\"|" \
	    -e "s|\"${RUNDIR}/|\"${PWD}/root${RUNDIR}/|g" \
	    -e "s|\"${LOGDIR}/|\"${PWD}/root${LOGDIR}/|g" \
	    "${CONF}" > moved.conf
	atf_check -o match:"${PWD}/root${WWWDIR}" cat moved.conf
}

atf_test_case tree
tree_head() {
	atf_set descr "make install puts every file in place, substitutes" \
	    "every path, and keeps a configuration already there"
	atf_set require.progs make
}
tree_body() {
	tm_install RCDIR="${RCDIR}"
	for f in "root${SBINDIR}/tamarind" "root${SBINDIR}/tamarinctl" \
	    "${RCD}"; do
		[ -f "${f}" ] && [ -x "${f}" ] || atf_fail "${f}: not installed" \
		    "as an executable file"
	done
	for f in ${PAGES} "${UNIT}" "${LOGROTATE}" "${CONF}" \
	    "root${LIBDIR}/plugins/hello.so" "root${WWWDIR}/index.html"; do
		[ -s "${f}" ] || atf_fail "${f}: not installed"
	done
	# "@include" is libconfig's, and stays; @WORD@ must not.
	for f in ${PAGES} "${UNIT}" "${RCD}" "${LOGROTATE}" "${CONF}"; do
		if grep -nE '@[A-Z]+@' "${f}" >&2; then
			atf_fail "${f}: placeholder left"
		fi
	done
	cmd="${SBINDIR}/tamarind -d -c ${SYSCONFDIR}/tamarin/tamarin.conf"
	atf_check -o match:"^ExecStart=${cmd}\$" cat "${UNIT}"
	atf_check -o match:"^command=\"${SBINDIR}/tamarind\"\$" \
	    -o match:"^pidfile=\"${RUNDIR}/tamarind.pid\"\$" cat "${RCD}"
	atf_check -o match:"^${LOGDIR}/\\*\\.log \\{\$" \
	    -o match:"${SBINDIR}/tamarinctl -s ${RUNDIR}/tamarind.shm reopen" \
	    cat "${LOGROTATE}"
	atf_check -o match:"pidfile = \"${RUNDIR}/tamarind.pid\";" \
	    -o match:"segment = \"${RUNDIR}/tamarind.shm\";" \
	    -o match:"error_log = \"${LOGDIR}/error.log\";" \
	    -o match:"path = \"${LOGDIR}/access.log\";" \
	    -o match:"root = \"${WWWDIR}\";" \
	    -o match:'user = "www-data";' -o match:'group = "www-data";' \
	    cat "${CONF}"
	atf_check -o match:"^\\.It Pa ${RUNDIR}/tamarind\\.shm\$" \
	    cat "root${MANDIR}/man8/tamarinctl.8"
	# The log directory, which tamarind -t wants to exist; not the run
	# directory, which is on a tmpfs that the unit or rc.d script fills.
	atf_check -o inline:"755\n" stat -c %a "root${LOGDIR}"
	[ ! -e "root${RUNDIR}" ] || atf_fail "root${RUNDIR}: made by install"
	chmod 750 "root${LOGDIR}"

	# A second install leaves the operator's configuration alone.
	echo "# edited" >> "${CONF}"
	tm_install RCDIR="${RCDIR}"
	atf_check -o match:'^# edited$' tail -n 1 "${CONF}"
	atf_check -o inline:"750\n" stat -c %a "root${LOGDIR}"

	# And uninstall takes away what install put, but that.
	tm_install uninstall
	for f in "root${SBINDIR}/tamarind" "root${SBINDIR}/tamarinctl" \
	    ${PAGES} "${UNIT}" "${RCD}" "${LOGROTATE}" "root${LIBDIR}" \
	    "root${WWWDIR}" "root${WWWDIR%/www}"; do
		[ ! -e "${f}" ] || atf_fail "${f}: left by make uninstall"
	done
	[ -f "${CONF}" ] || atf_fail "make uninstall removed the configuration"
	[ -d "root${LOGDIR}" ] || atf_fail "make uninstall removed the logs"
	atf_check -o inline:"uninstall: kept ${PWD}/root${LOGDIR} (logs)
uninstall: kept ${PWD}/${CONF} (configuration)\n" \
	    grep '^uninstall: kept' install.log
}

atf_test_case operator_files
operator_files_head() {
	atf_set descr "install copies the sample site only into an empty web" \
	    "root; uninstall keeps the operator's pages and other plugins"
	atf_set require.progs "make cmp"
}
operator_files_body() {
	src=$(atf_config_get srcdir)
	www="root${WWWDIR}"
	plugins="root${LIBDIR}/plugins"

	# An empty web root (made by hand, or by another package) gets it.
	mkdir -p "${www}"
	tm_install
	atf_check -o inline:"install: sample site into ${PWD}/${www}\n" \
	    grep '^install: ' install.log
	atf_check cmp "${src}/www/index.html" "${www}/index.html"
	atf_check cmp "${src}/www/docs/readme.txt" "${www}/docs/readme.txt"

	# The operator's site: one page changed, one added, one removed.
	echo "operator's page" > "${www}/index.html"
	echo "operator's extra" > "${www}/docs/extra.html"
	rm "${www}/robots.txt"
	echo "third party" > "${plugins}/other.so"
	# The logrotate file an operator edited (/etc/logrotate.d is
	# shared by every PREFIX).
	echo '# rotate weekly here' >> "${LOGROTATE}"
	cp "${LOGROTATE}" logrotate.edited
	tm_install
	atf_check -o match:"^install: kept ${PWD}/${LOGROTATE} \(another; " \
	    -o match:"^install: kept ${PWD}/${www} \(not empty\)\$" \
	    grep '^install: ' install.log
	atf_check cmp logrotate.edited "${LOGROTATE}"
	atf_check -o inline:"operator's page\n" cat "${www}/index.html"
	[ ! -e "${www}/robots.txt" ] || atf_fail "install put robots.txt back"
	atf_check cmp "${src}/www/style.css" "${www}/style.css"

	tm_install uninstall
	atf_check -o inline:"uninstall: kept ${PWD}/root${LIBDIR} (other files)
uninstall: kept ${PWD}/${www} (modified or extra files)
uninstall: kept ${PWD}/${LOGROTATE} (not this install's)
uninstall: kept ${PWD}/root${LOGDIR} (logs)
uninstall: kept ${PWD}/${CONF} (configuration)\n" \
	    grep '^uninstall: ' install.log
	# Exactly what install did not put, or what the operator changed.
	(cd root && find ".${LIBDIR}" ".${WWWDIR%/www}" | sort) > left
	atf_check -o inline:".${LIBDIR}
.${LIBDIR}/plugins
.${LIBDIR}/plugins/other.so
.${WWWDIR%/www}
.${WWWDIR}
.${WWWDIR}/docs
.${WWWDIR}/docs/extra.html
.${WWWDIR}/index.html\n" cat left
	atf_check -o inline:"operator's page\n" cat "${www}/index.html"
	atf_check -o inline:"third party\n" cat "${plugins}/other.so"
	atf_check cmp logrotate.edited "${LOGROTATE}"
}

atf_test_case layout
layout_head() {
	atf_set descr "each service file goes where what reads it looks:" \
	    "logrotate's under /etc whatever the PREFIX, the rc.d script" \
	    "on FreeBSD only, the unit where systemd looks"
	atf_set require.progs make
}
# tm_files: what ./root holds but the sample site, the man pages and the
# programs, which every layout has, and its empty directories.
tm_files() {
	(cd root && find . \( -type f -o -type d -empty \) -print | sort |
	    grep -v -e '/share/tamarin/www/' -e '/share/man/' -e '/sbin/')
}
layout_body() {
	# Debian, as a package installs (PREFIX=/usr): no rc.d script.
	tm_install
	tm_files > files
	atf_check -o inline:"./etc/logrotate.d/tamarin
./etc/tamarin/tamarin.conf
./usr/lib/systemd/system/tamarind.service
./usr/lib/tamarin/plugins/hello.so
./var/log/tamarin\n" cat files
	tm_install uninstall
	atf_check -o inline:"./etc/tamarin/tamarin.conf\n" \
	    sh -c 'cd root && find . -type f'
	rm -rf root

	# The default PREFIX: still where logrotate and systemd look.
	tm_install PREFIX=/usr/local
	tm_files > files
	atf_check -o inline:"./etc/logrotate.d/tamarin
./usr/local/etc/tamarin/tamarin.conf
./usr/local/lib/systemd/system/tamarind.service
./usr/local/lib/tamarin/plugins/hello.so
./var/log/tamarin\n" cat files
	tm_install PREFIX=/usr/local uninstall
	atf_check -o inline:"./usr/local/etc/tamarin/tamarin.conf\n" \
	    sh -c 'cd root && find . -type f'
	rm -rf root

	# FreeBSD, as a port installs: rc.d and logrotate.d under the
	# PREFIX's etc, no unit.
	tm_install PREFIX=/usr/local OPSYS=FreeBSD
	tm_files > files
	atf_check -o inline:"./usr/local/etc/logrotate.d/tamarin
./usr/local/etc/rc.d/tamarind
./usr/local/etc/tamarin/tamarin.conf
./usr/local/lib/tamarin/plugins/hello.so
./var/log/tamarin\n" cat files
	atf_check -o match:'^\. /etc/rc\.subr$' \
	    -o match:'^command="/usr/local/sbin/tamarind"$' \
	    cat root/usr/local/etc/rc.d/tamarind
	tm_install PREFIX=/usr/local OPSYS=FreeBSD uninstall
	atf_check -o inline:"./usr/local/etc/tamarin/tamarin.conf\n" \
	    sh -c 'cd root && find . -type f'
	rm -rf root

	# Elsewhere the rc.d script where RCDIR says; an empty SYSTEMDDIR
	# or LOGROTATEDIR installs neither file.
	tm_install RCDIR=/etc/rc.d SYSTEMDDIR= LOGROTATEDIR=
	tm_files > files
	atf_check -o inline:"./etc/rc.d/tamarind
./etc/tamarin/tamarin.conf
./usr/lib/tamarin/plugins/hello.so
./var/log/tamarin\n" cat files
	tm_install RCDIR=/etc/rc.d uninstall
	atf_check -o inline:"./etc/tamarin/tamarin.conf\n" \
	    sh -c 'cd root && find . -type f'

	# Where this machine's logrotate and systemd look, when it has them.
	if [ -r /etc/logrotate.conf ]; then
		atf_check -o match:"^include ${LOGROTATEDIR}\$" \
		    cat /etc/logrotate.conf
	fi
	if systemd-analyze unit-paths >paths 2>/dev/null; then
		atf_check -o match:"^${SYSTEMDDIR}\$" \
		    -o match:'^/usr/local/lib/systemd/system$' cat paths
	fi
}

atf_test_case man_lint
man_lint_head() {
	atf_set descr "the installed man pages are clean under mandoc -T lint"
	atf_set require.progs "make mandoc"
}
man_lint_body() {
	tm_install
	for p in ${PAGES}; do
		# -W style: everything.  Pages it links to that this machine
		# has not installed, and its own stale database, are not ours.
		mandoc -T lint -W style "${p}" >lint.out 2>&1
		if grep -v -e 'STYLE: referenced manual not found' \
		    -e 'mandoc.db' lint.out >&2; then
			atf_fail "${p}: mandoc -T lint complains"
		fi
		mandoc -T ascii "${p}" >page.txt 2>&1 ||
		    atf_fail "${p}: mandoc cannot render it"
		[ -s page.txt ] || atf_fail "${p}: renders empty"
	done
}

atf_test_case rcd_syntax
rcd_syntax_head() {
	atf_set descr "the installed rc.d script is valid sh"
	atf_set require.progs make
}
rcd_syntax_body() {
	tm_install RCDIR="${RCDIR}"
	atf_check sh -n "${RCD}"
	atf_check -o match:'^run_rc_command "\$1"$' tail -n 1 "${RCD}"
}

atf_test_case rcd_prestart
rcd_prestart_head() {
	atf_set descr "the rc.d script's start and restart make the run and" \
	    "log directories before they check the configuration"
	atf_set require.progs make
}
rcd_prestart_body() {
	tm_install RCDIR="${RCDIR}"
	tm_moved_conf
	# rc.subr's part, as far as this script's start and restart use it:
	# each runs its precmd, then says what it would run.
	cat > rc.subr <<'EOS'
load_rc_config() { :; }
run_rc_command() {
	case $1 in
	start) eval "${start_precmd}" || return 1 ;;
	restart) eval "${restart_precmd}" || return 1 ;;
	*) return 1 ;;
	esac
	echo "$1: ${command} ${command_args}"
}
EOS
	# The installed script, its paths moved under the DESTDIR.
	sed -e "s|^\. /etc/rc\.subr\$|. \"${PWD}/rc.subr\"|" \
	    -e "s|\"${SBINDIR}/|\"${PWD}/root${SBINDIR}/|g" \
	    -e "s|\"${RUNDIR}|\"${PWD}/root${RUNDIR}|g" \
	    -e "s|\"${LOGDIR}|\"${PWD}/root${LOGDIR}|g" "${RCD}" > rcd
	atf_check -o match:"^\\. \"${PWD}/rc.subr\"\$" \
	    -o match:"${PWD}/root${LOGDIR}\"" cat rcd
	for cmd in start restart; do
		# As at first boot: neither directory there.
		rm -rf "root${RUNDIR}" "root${LOGDIR}"
		atf_check -o inline:"Performing sanity check on tamarind configuration:
configuration OK
${cmd}: ${PWD}/root${SBINDIR}/tamarind -c ${PWD}/moved.conf\n" -e empty \
		    env tamarind_config="${PWD}/moved.conf" sh rcd "${cmd}"
		for d in "root${RUNDIR}" "root${LOGDIR}"; do
			atf_check -o inline:"755\n" stat -c %a "${d}"
		done
	done
	# A log directory the operator closed keeps its mode.
	chmod 750 "root${LOGDIR}"
	atf_check -o ignore -e empty \
	    env tamarind_config="${PWD}/moved.conf" sh rcd start
	atf_check -o inline:"750\n" stat -c %a "root${LOGDIR}"
}

atf_test_case systemd_verify
systemd_verify_head() {
	atf_set descr "systemd-analyze verify accepts the installed unit"
	atf_set require.progs make
}
systemd_verify_body() {
	tm_can_verify || atf_skip "${_why}"
	tm_install
	tm_verify_unit
}

# tm_can_verify: whether systemd-analyze verify works here (_why says
# why not).
tm_can_verify() {
	if ! command -v systemd-analyze >/dev/null 2>&1; then
		_why="systemd-analyze not installed (Debian package systemd)"
		return 1
	fi
	# A unit known to be good first: a machine where systemd-analyze
	# cannot work at all is no verdict on ours.
	mkdir -p sane
	printf '[Service]\nExecStart=/bin/sh -c :\n' > sane/sane.service
	if ! systemd-analyze verify sane/sane.service >sane.out 2>&1; then
		_why="systemd-analyze verify fails here even on a trivial unit:
$(head -n 1 sane.out)"
		return 1
	fi
}

# tm_verify_unit: systemd-analyze verify accepts the installed unit.
tm_verify_unit() {
	# Verify checks that every Exec command exists: point them at the
	# DESTDIR, under the same name.  The man: links are looked up with
	# man(1), in the DESTDIR too.
	rm -rf unit
	mkdir unit
	sed "s|${SBINDIR}/|${PWD}/root${SBINDIR}/|g" "${UNIT}" \
	    > unit/tamarind.service
	man=yes
	command -v man >/dev/null 2>&1 || man=no
	MANPATH="${PWD}/root${MANDIR}" atf_check -o empty -e empty \
	    systemd-analyze verify --man="${man}" unit/tamarind.service
}

atf_test_case unit_dirs
unit_dirs_head() {
	atf_set descr "the unit has systemd make the run and log directories" \
	    "make install was given, or names them writable when systemd" \
	    "cannot make them"
	atf_set require.progs make
}
unit_dirs_body() {
	tm_install
	atf_check -o inline:"RuntimeDirectory=tamarin
RuntimeDirectoryMode=0755
LogsDirectory=tamarin
" grep -E '^(RuntimeDirectory|LogsDirectory|ReadWritePaths)' "${UNIT}"
	# Elsewhere under /run (/var/run is a link to it) and /var/log.
	rm -rf root
	tm_install RUNDIR=/var/run/tm LOGDIR=/var/log/web/tm
	atf_check -o inline:"RuntimeDirectory=tm
RuntimeDirectoryMode=0755
LogsDirectory=web/tm
" grep -E '^(RuntimeDirectory|LogsDirectory|ReadWritePaths)' "${UNIT}"
	# Outside both: read-only under ProtectSystem=strict unless named,
	# and systemd makes neither, so install does.
	rm -rf root
	tm_install RUNDIR=/var/lib/tm/run LOGDIR=/srv/tmlog
	atf_check -o inline:"ReadWritePaths=/var/lib/tm/run /srv/tmlog
" grep -E '^(RuntimeDirectory|LogsDirectory|ReadWritePaths)' "${UNIT}"
	atf_check -o match:'^# /var/lib/tm/run: pidfile and segment\.$' \
	    -o match:'^# /srv/tmlog: the access logs, ' cat "${UNIT}"
	[ -d root/var/lib/tm/run ] && [ -d root/srv/tmlog ] ||
	    atf_fail "the directories were not made"
	if tm_can_verify; then
		tm_verify_unit
	fi
	# The run directory goes with the rest (the logs stay).
	unset MAKEFLAGS MFLAGS MAKELEVEL
	atf_check -o ignore make -s -C "$(atf_config_get srcdir)" uninstall \
	    PREFIX=/usr DESTDIR="${PWD}/root" \
	    BUILDDIR="$(atf_config_get builddir)" \
	    RUNDIR=/var/lib/tm/run LOGDIR=/srv/tmlog
	[ ! -e root/var/lib/tm/run ] || atf_fail "the run directory stayed"
	[ -d root/srv/tmlog ] || atf_fail "the logs went"
}

atf_test_case logrotate_debug
logrotate_debug_head() {
	atf_set descr "logrotate -d reads the installed logrotate file"
	atf_set require.progs "make logrotate"
}
logrotate_debug_body() {
	# As an operator whose umask lets the group write: logrotate ignores
	# a file that group or others may write.
	umask 002
	tm_install
	for f in "${LOGROTATE}" "${CONF}" "${UNIT}" ${PAGES}; do
		atf_check -o inline:"644\n" stat -c %a "${f}"
	done
	atf_check -o ignore -e save:lr.err \
	    logrotate -d -s "${PWD}/state" "${LOGROTATE}"
	if grep -i 'error' lr.err >&2; then
		atf_fail "logrotate -d reports an error"
	fi
	atf_check -o match:"rotating pattern: ${LOGDIR}/\\*\\.log" cat lr.err
}

atf_test_case config_test
config_test_head() {
	atf_set descr "the installed tamarind accepts the installed" \
	    "configuration, its paths moved under the DESTDIR"
	atf_set require.progs make
}
config_test_body() {
	# Straight after install: the log directory is install's to make,
	# and the run directory the master's (or the unit's, or the rc.d
	# script's), so -t needs only its parent, as /run is on a system.
	tm_install
	tm_moved_conf
	atf_check -s exit:1 -o empty \
	    -e match:"^moved\.conf:[0-9]+: pidfile: ${PWD}/root${RUNDIR%/*}: No such file or directory\$" \
	    "root${SBINDIR}/tamarind" -t -c moved.conf
	mkdir "root${RUNDIR%/*}"
	atf_check -o inline:"configuration OK\n" -e empty \
	    "root${SBINDIR}/tamarind" -t -c moved.conf
	# As installed, only its web root is missing here.
	if [ ! -d "${WWWDIR}" ]; then
		atf_check -s exit:1 -o empty \
		    -e match:"root: ${WWWDIR}: No such file or directory" \
		    "root${SBINDIR}/tamarind" -t -c "${CONF}"
	fi
}

atf_init_test_cases() {
	atf_add_test_case tree
	atf_add_test_case operator_files
	atf_add_test_case layout
	atf_add_test_case man_lint
	atf_add_test_case rcd_syntax
	atf_add_test_case rcd_prestart
	atf_add_test_case systemd_verify
	atf_add_test_case unit_dirs
	atf_add_test_case logrotate_debug
	atf_add_test_case config_test
}
