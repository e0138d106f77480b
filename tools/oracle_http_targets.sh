#!/usr/bin/env bash
# Install every real CORS implementation the HTTP oracle is proven on (issue 11).
#
# Run as root (CI does). Everything comes by package name: npm packages, each pinned
# version in its own directory under $CORS_SPEC_TARGETS (default
# ~/.cache/cors_spec/targets), and Debian packages (golang-go and Debian's Go library
# sources, Plack with Plack::Middleware::CrossOrigin, nginx, apache2). The Go servers in
# tests/oracle_http/targets/go/ are built offline from Debian's /usr/share/gocode.
#
# Idempotent: a directory whose stamp matches its pins, an installed Debian package and an
# up-to-date Go binary are skipped, so a second run takes about a second.
# No service is started or enabled: the servers run later as foreground processes.
#
#   tools/oracle_http_targets.sh            # everything
#   tools/oracle_http_targets.sh npm|apt|go # one part
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEST="${CORS_SPEC_TARGETS:-$HOME/.cache/cors_spec/targets}"
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(apt npm go)

now() { date +%s.%N; }
T0=$(now)
step() {  # step NAME START: print the step's duration
  awk -v n="$1" -v a="$2" -v b="$(now)" 'BEGIN { printf "[oracle targets] %-44s %6.1f s\n", n, b - a }'
}
want() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

# --- Debian packages ---------------------------------------------------------------------
APT_PACKAGES=(
  golang-go
  golang-github-gorilla-handlers-dev    # 1.5.1 (pulls golang-github-felixge-httpsnoop-dev)
  golang-github-rs-cors-dev             # 1.7.0
  golang-github-go-chi-cors-dev         # 1.2.1
  libplack-perl
  libplack-middleware-crossorigin-perl  # 0.014
  nginx                                 # 1.22
  apache2                               # 2.4
)
if want apt; then
  t=$(now)
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[oracle targets] apt: installing ${missing[*]}"
    # Keep the package scripts from starting nginx or apache2 as services.
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/oracle-targets-apt.log 2>&1; then
      apt-get update -q >/dev/null 2>&1
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/oracle-targets-apt.log 2>&1 \
        || { [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -20 /tmp/oracle-targets-apt.log; exit 1; }
    fi
    [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
  step "apt (${#missing[@]} missing)" "$t"
fi

# --- npm packages: one directory per pinned version --------------------------------------
# name | dependencies (name@version ...)
NPM_TARGETS=(
  "hono-4.12.24|hono@4.12.24 @hono/node-server@1.14.4"
  "hono-4.12.25|hono@4.12.25 @hono/node-server@1.14.4"
  "koa-cors-4.0.0|@koa/cors@4.0.0 koa@2.15.3"
  "koa-cors-5.0.0|@koa/cors@5.0.0 koa@2.15.3"
  "socket.io-2.3.0|socket.io@2.3.0"
  "socket.io-2.4.0|socket.io@2.4.0"
  "socket.io-2.4.1|socket.io@2.4.1"
  "vite-6.0.8|vite@6.0.8"
  "vite-6.0.9|vite@6.0.9"
  "fastify-cors-6.0.2|fastify-cors@6.0.2 fastify@3.29.5"
  "fastify-cors-6.0.3|fastify-cors@6.0.3 fastify@3.29.5"
  "express-cors-2.8.1|cors@2.8.1 express@4.21.2"
  "express-cors-2.8.2|cors@2.8.2 express@4.21.2"
  "express-cors-2.8.6|cors@2.8.6 express@4.21.2"
  "restify-cors-middleware-1.1.1|restify-cors-middleware@1.1.1 restify@11.1.0 --legacy-peer-deps"
  "restify-cors-middleware2-2.2.1|restify-cors-middleware2@2.2.1 restify@11.1.0"
)
if want npm; then
  t=$(now)
  command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
  mkdir -p "$DEST/npm"
  pids=()
  names=()
  for entry in "${NPM_TARGETS[@]}"; do
    name="${entry%%|*}"
    deps="${entry#*|}"
    dir="$DEST/npm/$name"
    if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" == "$deps" ] && [ -d "$dir/node_modules" ]; then
      continue
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    printf '{"name": "cors-spec-target-%s", "private": true}\n' "${name//[^a-z0-9.-]/-}" > "$dir/package.json"
    (
      s=$(now)
      # --ignore-scripts: no install script of a dependency runs (none of these needs one).
      # shellcheck disable=SC2086
      if npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error \
           --save-exact $deps >"$dir/.install.log" 2>&1; then
        echo "$deps" > "$dir/.stamp"
        step "npm $name" "$s"
      else
        echo "[oracle targets] npm $name: FAILED (see $dir/.install.log)" >&2
        tail -5 "$dir/.install.log" >&2
        exit 1
      fi
    ) &
    pids+=($!)
    names+=("$name")
  done
  failed=0
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed=1
  done
  step "npm (${#pids[@]} of ${#NPM_TARGETS[@]} installed now)" "$t"
  [ $failed = 0 ] || exit 1
fi

# --- Go servers, built offline from Debian's sources -------------------------------------
GO_TARGETS=(gorilla-handlers rs-cors go-chi-cors)
if want go; then
  t=$(now)
  command -v go >/dev/null || { echo "go is not installed (run the apt part)" >&2; exit 1; }
  mkdir -p "$DEST/go/bin" "$DEST/go/cache"
  built=0
  for name in "${GO_TARGETS[@]}"; do
    src="$ROOT/tests/oracle_http/targets/go/$name/main.go"
    bin="$DEST/go/bin/$name"
    sum="$(sha256sum "$src" | cut -d' ' -f1) $(go version)"
    if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" == "$sum" ]; then
      continue
    fi
    s=$(now)
    GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE="$DEST/go/cache" \
      go build -o "$bin" "$src"
    echo "$sum" > "$bin.stamp"
    built=$((built + 1))
    step "go $name" "$s"
  done
  step "go ($built of ${#GO_TARGETS[@]} built now)" "$t"
fi
step "total" "$T0"
