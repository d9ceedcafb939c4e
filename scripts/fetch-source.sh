#!/bin/bash
# Download a Debian source package into the cache and unpack its upstream
# tarball, unmodified. Prints the unpacked directory.
#
#   fetch-source.sh PACKAGE
#   fetch-source.sh --download PACKAGE   (download only; print the directory
#                                         that holds the .dsc and tarballs)
#   fetch-source.sh --apt-source     (print the deb-src entry it would use)
#
# --download is for callers that need a few files of a big package (the
# QEMU plugin header from qemu's 23 MB tarball, scripts/plugin.sh): they
# extract just those, instead of unpacking hundreds of megabytes.
#
# Uses a private apt state in the cache, so the machine's own apt
# configuration is not touched. Its one deb-src entry points at the same
# archive the machine installs bookworm's main packages from: the project
# never names an archive host itself, because the right mirror (or proxy,
# or local copy) is the machine's business.
#
# UKL_APT_ETC: read this directory instead of /etc/apt (for tests).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"

apt_etc=${UKL_APT_ETC:-/etc/apt}

# The machine's apt entries, in apt's own order: sources.list, then
# sources.list.d/*.list (one-line format) and *.sources (deb822), sorted by
# name. Files such as foo.sources.disabled match neither pattern.
apt_files() {
	local f
	[ ! -f "$apt_etc/sources.list" ] || echo "$apt_etc/sources.list"
	for f in "$apt_etc"/sources.list.d/*.list "$apt_etc"/sources.list.d/*.sources; do
		[ -f "$f" ] && echo "$f"
	done | sort
}

# debian_entries FILE... : print "URI KEYRING" for every entry that serves
# binary packages (deb) of bookworm (the release itself, not -security or
# -updates) with its main component, one line each, in order. KEYRING is
# the entry's Signed-By file, or "-" when it names none (apt then trusts
# its default keys, as for the classic Debian entry). Entries signed by any
# other keyring than one of Debian's archive keyrings belong to a third
# party (nodesource, google, a PHP repository that calls itself "bookworm
# main", ...) and are left out.
debian_entries() {
	awk '
	function debian_keyring(k) {
		return k == "-" || k ~ /(^|\/)debian-archive-[^\/]*$/
	}
	function has(list, word) {
		gsub(/[ \t]+/, " ", list)
		return index(" " list " ", " " word " ") > 0
	}
	function entry(uri, suites, comps, keyring) {
		if (uri ~ /^cdrom:/ || !has(suites, "bookworm") || !has(comps, "main"))
			return
		if (debian_keyring(keyring))
			print uri, keyring
	}
	# deb822: stanzas of "Field: value" lines, separated by blank lines.
	function stanza_end() {
		split(uris, u, " ")
		if (has(types, "deb") && tolower(enabled) != "no" && u[1] != "")
			entry(u[1], suites, comps, signed == "" ? "-" : signed)
		types = uris = suites = comps = signed = enabled = ""
	}
	FNR == 1 { if (deb822) stanza_end(); deb822 = FILENAME ~ /\.sources$/ }
	# Comment lines, in both formats (inside a stanza they do not end it).
	/^[ \t]*#/ { next }
	{ sub(/#.*/, "") }
	deb822 && /^[ \t]*$/ { stanza_end(); next }
	# A continuation line: the rest of a multi-line field, such as a key
	# embedded in Signed-By, which the entry then names instead of a file.
	deb822 && /^[ \t]/ { if (field == "signed-by") signed = "embedded"; next }
	deb822 {
		field = tolower($0); sub(/:.*/, "", field)
		value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
		if (field == "types") types = value
		else if (field == "uris") uris = value
		else if (field == "suites") suites = value
		else if (field == "components") comps = value
		else if (field == "enabled") enabled = value
		else if (field == "signed-by") signed = (value ~ /^\// ? value : "embedded")
		next
	}
	# One-line format: deb [options] URI SUITE COMPONENT...
	$1 == "deb" {
		line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
		keyring = "-"
		if (substr(line, 1, 1) == "[") {
			close_at = index(line, "]")
			options = substr(line, 2, close_at - 2)
			line = substr(line, close_at + 1)
			sub(/^[ \t]+/, "", line)
			n = split(options, opt, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (opt[i] ~ /^signed-by=/) { keyring = opt[i]; sub(/^signed-by=/, "", keyring) }
		}
		n = split(line, w, /[ \t]+/)
		comps = ""
		for (i = 3; i <= n; i++) comps = comps " " w[i]
		entry(w[1], w[2], comps, keyring)
	}
	END { if (deb822) stanza_end() }' "$@"
}

# deb_src_entry : print the private deb-src entry (deb822), or fail with a
# message that says what is missing.
deb_src_entry() {
	local files uri="" keyring
	mapfile -t files < <(apt_files)
	# (with no file at all, awk would read its standard input)
	if [ ${#files[@]} -gt 0 ]; then
		read -r uri keyring < <(debian_entries "${files[@]}" | head -n 1) || true
	fi
	if [ -z "$uri" ]; then
		ukl_die "no apt source for Debian bookworm's main archive in $apt_etc/sources.list or $apt_etc/sources.list.d/ (want an entry with Types: deb, Suites: bookworm, Components: main); add the machine's Debian mirror there, then retry"
	fi
	printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\n' "$uri"
	if [ "$keyring" != - ]; then
		printf 'Signed-By: %s\n' "$keyring"
	fi
}

if [ "${1:-}" = --apt-source ]; then
	deb_src_entry
	exit 0
fi
download_only=0
if [ "${1:-}" = --download ]; then
	download_only=1
	shift
fi
pkg=${1:?usage: fetch-source.sh [--download] PACKAGE}
apt_dir=$UKL_CACHE/apt-src
out=$UKL_CACHE/sources/$pkg

if [ -f "$out/.ukl-unpacked" ] && [ $download_only -eq 0 ]; then
	cat "$out/.ukl-unpacked"
	exit 0
fi
if [ -f "$out/.ukl-downloaded" ] && [ $download_only -eq 1 ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$out"
entry=$(deb_src_entry)
# A changed entry (the machine moved to another mirror) needs a new index.
if [ "$entry" != "$(cat "$apt_dir/parts/debian-src.sources" 2>/dev/null || true)" ]; then
	printf '%s\n' "$entry" >"$apt_dir/parts/debian-src.sources"
	rm -f "$apt_dir/.updated"
fi
# The cache directory too is private: apt's package caches in /var/cache
# belong to the machine's own sources (and need root to write).
apt_opts=(-q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
if [ ! -f "$apt_dir/.updated" ]; then
	ukl_say "sources: reading Debian's source index"
	apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 ||
		{ tail -n 5 "$apt_dir/update.log" >&2; ukl_die "cannot read Debian's source index"; }
	touch "$apt_dir/.updated"
fi
if [ ! -f "$out/.ukl-downloaded" ]; then
	ukl_say "sources: downloading $pkg"
	(cd "$out" && apt-get "${apt_opts[@]}" source --download-only "$pkg") >"$out/download.log" 2>&1 ||
		{ tail -n 5 "$out/download.log" >&2; ukl_die "cannot download the source of $pkg"; }
	touch "$out/.ukl-downloaded"
fi
if [ $download_only -eq 1 ]; then
	echo "$out"
	exit 0
fi
tarball=$(ls "$out"/*.orig.tar.* | grep -v '\.asc$' | head -n 1)
[ -n "$tarball" ] || ukl_die "no upstream tarball in the source of $pkg"
# (apt-get keeps the caller's environment: it may need its proxy settings;
# tar must not see a TAR_OPTIONS.)
ukl_clean_env tar -C "$out" -xf "$tarball"
dir=$(tar -tf "$tarball" | head -n 1 | cut -d/ -f1)
echo "$out/$dir" >"$out/.ukl-unpacked"
echo "$out/$dir"
