#!/usr/bin/env bash
# Create the pinned virtual environments of the oracle's real-bug suite (tests/oracle_bugs/).
#
# One venv per pinned framework version under .oracle-venvs/ (git-ignored). Each gets this
# project (`pip install -e . --no-deps`), its runtime dependencies (attrs, ada-url),
# hypothesis, and the pinned framework. Idempotent: a venv whose stamp matches its pins is
# left alone, so a second run takes well under a second.
#
#   tools/oracle_venvs.sh            # create or refresh every venv
#   tools/oracle_venvs.sh NAME...    # only these (names as in the table below)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEST="${ORACLE_VENVS:-$ROOT/.oracle-venvs}"
PY="${PYTHON:-python3}"
COMMON="attrs>=23.1 ada-url>=1.15 hypothesis>=6.100"

# name | pins (space-separated requirement specifiers)
VENVS=(
  "starlette-0.11.4|starlette==0.11.4"
  "starlette-0.13.0|starlette==0.13.0"
  "starlette-0.13.1|starlette==0.13.1"
  "starlette-0.52.1|starlette==0.52.1"
  "starlette-1.0.0|starlette==1.0.0"
  "flask-cors-6.0.5|flask-cors==6.0.5 flask==3.1.2"
  "aiohttp-cors-0.8.1|aiohttp-cors==0.8.1 aiohttp==3.12.15"
  "django-cors-headers-2.5.3|django-cors-headers==2.5.3 django==2.2.28"
  "django-cors-headers-3.0.0|django-cors-headers==3.0.0 django==2.2.28"
)

want=("$@")
mkdir -p "$DEST"
for entry in "${VENVS[@]}"; do
  name="${entry%%|*}"
  pins="${entry#*|}"
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then
    continue
  fi
  venv="$DEST/$name"
  stamp="$venv/.oracle-stamp"
  expected="$pins | $COMMON | $ROOT"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" == "$expected" ] && [ -x "$venv/bin/python" ]; then
    echo "oracle venv $name: up to date"
    continue
  fi
  echo "oracle venv $name: creating ($pins)"
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $COMMON $pins
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT"
  "$venv/bin/python" -c "import cors_spec, hypothesis" >/dev/null
  echo "$expected" > "$stamp"
done
