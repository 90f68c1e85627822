"""Validate the offline story content: ``manage.py check_story_content [--path DIR]``.

Sibling of ``check_prompts``, part of ``make test``. Loads every language folder under
``content/stories`` the way the storyteller does and lists each problem as
``file:line: field: message``; exits 1 when there is one.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai_providers.providers.local.story_content import check_content, content_dir
from mira.language_data import check_language_files


class Command(BaseCommand):
    help = (
        "Validate the offline storyteller's content files (content/stories/<language>/*.yaml):"
        " fields, wordings and placeholders, cross-references. Names file and line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=None, help="content tree (default: MIRA_STORY_CONTENT_DIR)"
        )

    def handle(self, *args, path=None, **options):
        root = Path(path or content_dir())
        problems = check_content(root)
        if path is None:  # content/languages/<code>.yaml: quality word lists, page words
            problems += check_language_files()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s) in {root}")
        languages = sorted(p.parent.name for p in root.glob("*/language.yaml"))
        self.stdout.write(f"story content OK: {root} ({', '.join(languages)})")
