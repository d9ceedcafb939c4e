# Issue 9: building upstream trees in the cache whoever calls, and where
# their sources come from. Fast: nothing here builds a tree (the slow test
# in slow.sh does, from an empty cache).

# in_scripts CMD... : run CMD in a bash with UKL's build helpers loaded.
in_scripts() {
	bash -c '. "$UKL_ROOT/scripts/lib.sh"; . "$UKL_ROOT/scripts/upstream.sh"; "$@"' in_scripts "$@"
}

test_build_steps_see_a_clean_environment() {
	CC=ukl-gcc CXX=x CPP=x CFLAGS=-O0 CPPFLAGS=-Dx LDFLAGS=-lx LIBS=-lx \
		MAKEFLAGS=-s MAKELEVEL=1 MFLAGS=-s GNUMAKEFLAGS=-s ARCH=arm \
		CROSS_COMPILE=arm- O=/elsewhere KBUILD_OUTPUT=/elsewhere \
		TAR_OPTIONS=--bad TMPDIR=/tmp in_scripts ukl_clean_env env >env.out
	cat env.out
	[ "$(cut -d= -f1 env.out | sort | tr '\n' ' ')" = "HOME LANG PATH TMPDIR " ] ||
		fail "a build step sees more than PATH, HOME, LANG and TMPDIR"
	expect_line env.out "LANG=C"
	# and not the descriptor of the build lock
	in_scripts ukl_clean_env ls /proc/self/fd 9>lockfile >fds.out
	cat fds.out
	grep -qx 9 fds.out && fail "the build lock's descriptor reached a build step"
	true
}

test_second_build_caller_says_whom_it_waits_for() {
	local holder
	bash -c '. "$UKL_ROOT/scripts/lib.sh"; . "$UKL_ROOT/scripts/upstream.sh"
		ukl_build_lock demo lock; echo held >held; sleep 4' &
	holder=$!
	for _ in $(seq 1 50); do
		[ -f held ] && break
		sleep 0.1
	done
	[ -f held ] || fail "the first caller never got the lock"
	timeout 30 bash -c '. "$UKL_ROOT/scripts/lib.sh"; . "$UKL_ROOT/scripts/upstream.sh"
		ukl_build_lock demo lock; echo "second got it"' >second.out 2>second.err ||
		fail "the second caller failed"
	wait "$holder"
	cat second.out second.err
	grep -q "waiting for another build of demo (pid $holder)" second.err ||
		fail "the second caller did not say whom it waits for"
	expect_line second.out "second got it"
}

test_build_lock_held_by_an_ancestor_is_an_error_not_a_hang() {
	status=0
	timeout 30 bash -c '. "$UKL_ROOT/scripts/lib.sh"; . "$UKL_ROOT/scripts/upstream.sh"
		ukl_build_lock demo lock
		# what configure did with CC=ukl-gcc: start the same build below itself
		bash -c ". \"\$UKL_ROOT/scripts/lib.sh\"; . \"\$UKL_ROOT/scripts/upstream.sh\"
			ukl_build_lock demo lock; echo inner got it"
		echo "outer: inner stopped with status $?"' >out 2>err || status=$?
	cat out err
	[ "$status" -ne 124 ] || fail "the nested caller waited (timeout)"
	expect_line out "outer: inner stopped with status 1"
	grep -q "is an ancestor of this command" err || fail "no clear message"
	grep -q "inner got it" out && fail "the nested caller got a lock its ancestor holds"
	true
}

# apt_fixture DIR : a sources.list.d like a Debian 12 machine with extra
# repositories (example hosts only: the project names no archive host).
apt_fixture() {
	mkdir -p "$1/sources.list.d"
	cat >"$1/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
# a comment inside the stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	cat >"$1/sources.list.d/aaa-vendor.sources" <<'SOURCES'
Types: deb
URIs: https://vendor.example/php
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/vendor.gpg
SOURCES
	cat >"$1/sources.list.d/nodesource.sources" <<'SOURCES'
Types: deb
URIs: https://node.example/node_20.x
Suites: nodistro
Components: main
SOURCES
	echo "deb http://disabled.example/debian bookworm main" \
		>"$1/sources.list.d/aaa.list.disabled-by-admin"
}

apt_source() {
	UKL_APT_ETC=$1 "$UKL_ROOT/scripts/fetch-source.sh" --apt-source
}

test_source_entry_comes_from_the_machines_debian_entry() {
	apt_fixture etc
	apt_source etc >entry
	cat entry
	expect_line entry "Types: deb-src"
	expect_line entry "URIs: http://mirror.example/debian"
	expect_line entry "Suites: bookworm"
	expect_line entry "Components: main"
	expect_line entry "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
}

test_source_entry_from_a_one_line_sources_list() {
	mkdir -p etc/sources.list.d
	cat >etc/sources.list <<'LIST'
# the classic format
deb http://mirror.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/x bookworm main
deb [ arch=amd64 ] http://old-mirror.example/debian/ bookworm main contrib # comment
LIST
	apt_source etc >entry
	cat entry
	expect_line entry "URIs: http://old-mirror.example/debian/"
	grep -q "Signed-By" entry && fail "a keyring the entry does not name"
	true
}

test_no_debian_entry_is_a_clear_error() {
	apt_fixture etc
	rm etc/sources.list.d/debian.sources
	status=0
	apt_source etc >entry 2>err || status=$?
	cat entry err
	[ "$status" -ne 0 ] || fail "no error without a Debian entry"
	grep -q "no apt source for Debian bookworm's main archive" err || fail "unclear message"
}

test_the_project_names_no_archive_host() {
	local hits
	# the host names of Debian's and Ubuntu's archives and their mirrors
	hits=$(git -C "$UKL_ROOT" grep --untracked -I -n -i -E \
		'([a-z0-9-]+\.)*(debian\.org|debian\.net|ubuntu\.com)\b' -- . || true)
	echo "$hits"
	[ -z "$hits" ] || fail "the project names an archive host"
}
