#!/usr/bin/env bash
# installed_hotdeploy_process_test.sh BUILD_DIR: installs BUILD_DIR into a fresh prefix with
# `cmake --install --strip`, then, from a directory without scenarios/ and with no flag or
# variable naming fake-nginx, runs the installed hotdeploy's `list` and its run of the installed
# upgrade.yaml. Passes when the list shows the installed library, the run passes, and the
# executable the run started is a stamped copy of the installed fake-nginx: stripped, it differs
# from the build tree's, the one hotdeploy would fall back to had it not found its own.
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() {
  echo "installed hotdeploy: $*" >&2
  exit 1
}

cmake --install "$build_dir" --prefix "$prefix" --strip >/dev/null
for file in bin/hotdeploy bin/fake-nginx bin/fake-nginx-stamp share/hotdeploy/scenarios/upgrade.yaml \
            share/man/man1/hotdeploy.1 share/doc/hotdeploy/README.md; do
  [[ -f $prefix/$file ]] || fail "cmake --install did not install $file"
done
installed=$prefix/bin/fake-nginx
built=$(find "$build_dir/fakes" -maxdepth 1 -name fake-nginx -type f)
if cmp -s "$installed" "$built"; then
  fail "the stripped $installed is the same file as $built: the check below would prove nothing"
fi

mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset HOTDEPLOY_FAKE_NGINX
listed=$("$prefix/bin/hotdeploy" list) || fail "hotdeploy list exited $?"
grep -q '^upgrade ' <<<"$listed" || fail "hotdeploy list in $PWD does not show upgrade; it printed: $listed"

status=0
"$prefix/bin/hotdeploy" run "$prefix/share/hotdeploy/scenarios/upgrade.yaml" --out "$work/runs" -q || status=$?
((status == 0)) || fail "hotdeploy run upgrade.yaml exited $status (see its output above)"

started=$work/runs/upgrade/prefix/sbin/nginx
cmp -s -n "$(stat -c %s "$installed")" "$installed" "$started" ||
  fail "$started is not a stamped copy of the installed $installed: hotdeploy did not find its own fake-nginx"
echo "installed hotdeploy: list and upgrade.yaml pass with the installed fake-nginx"
