"""Run every ``bench/bench_*.py`` (or the ones named) and print their numbers.

Each benchmark module exposes ``main() -> None`` and prints its own results. Benchmarks run
against the database in ``DATABASE_URL`` (PostgreSQL for meaningful numbers).

    .venv/bin/python bench/run.py                 # all
    .venv/bin/python bench/run.py usage config    # bench_usage.py, bench_config.py
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(names: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mira.settings.local")
    import django

    django.setup()
    import logging

    # Benchmarks print their own numbers; service logs would bury them.
    logging.getLogger().setLevel(os.environ.get("BENCH_LOG_LEVEL", "WARNING"))
    files = sorted((ROOT / "bench").glob("bench_*.py"))
    if names:
        # ``gateway`` runs bench_gateway_peers.py: a name matches a file or its prefix.
        files = [
            f
            for f in files
            if any(
                f.stem.removeprefix("bench_") == n or f.stem.startswith(f"bench_{n}_")
                for n in names
            )
        ]
    if not files:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for path in files:
        print(f"== {path.stem}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
