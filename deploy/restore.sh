#!/usr/bin/env bash
# Restore Mira from deploy/backup.sh's files into DATABASE_URL's database (dropped and created
# again: stop the web processes and workers first) and MEDIA_ROOT (emptied first).
# Usage: DATABASE_URL=postgres://user@host:5432/mira MEDIA_ROOT=/srv/mira/media \
#          deploy/restore.sh mira-<stamp>.dump media-<stamp>.tar.gz
# The database name is the last part of DATABASE_URL (no ?options); the user needs CREATEDB.
# Runbook and checks after the restore: docs/deployment.md.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
: "${MEDIA_ROOT:?set MEDIA_ROOT}"
dump="${1:?usage: restore.sh DUMP MEDIA_TARBALL}"
media="${2:?usage: restore.sh DUMP MEDIA_TARBALL}"
test -s "$dump" && pg_restore --list "$dump" >/dev/null  # a readable dump, before dropping
tar -tzf "$media" >/dev/null
name="${DATABASE_URL##*/}"
server="${DATABASE_URL%/*}/postgres"
psql "$server" --quiet -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\""
pg_restore --no-owner --exit-on-error --dbname "$DATABASE_URL" "$dump"
mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -C "$MEDIA_ROOT" -xzf "$media"
echo "restored $name and $(find "$MEDIA_ROOT" -type f | wc -l) media files"
