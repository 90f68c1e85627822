#!/usr/bin/env bash
# Back up Mira: a PostgreSQL dump (custom format) and a tarball of the media folder.
# Usage: DATABASE_URL=postgres://... MEDIA_ROOT=/srv/mira/media deploy/backup.sh BACKUP_DIR
# Writes BACKUP_DIR/mira-<UTC stamp>.dump and BACKUP_DIR/media-<UTC stamp>.tar.gz and prints
# their paths. Safe while the site runs: pg_dump reads one consistent snapshot. Schedule and
# retention of the copies: docs/deployment.md.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
: "${MEDIA_ROOT:?set MEDIA_ROOT}"
dir="${1:?usage: backup.sh BACKUP_DIR}"
mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$dir/mira-$stamp.dump"
media="$dir/media-$stamp.tar.gz"
pg_dump --format=custom --no-owner --file "$dump" "$DATABASE_URL"
tar -C "$MEDIA_ROOT" -czf "$media" .
echo "$dump"
echo "$media"
