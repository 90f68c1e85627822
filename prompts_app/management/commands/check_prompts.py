"""Validate the prompt tree: ``manage.py check_prompts [--path DIR]``. Part of ``make test``."""

from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prompts_app.checks import check_tree


class Command(BaseCommand):
    help = (
        "Validate every prompt file: YAML schema, templates compile and are sandbox-safe, every "
        "template renders for every age group and story type, provider parameters, quality "
        "bounds, and the versions/ archive. Exits 1 naming file and line for each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=None, help="prompt tree (default: MIRA_PROMPTS_DIR)"
        )

    def handle(self, *args, path=None, **options):
        root = Path(path or settings.MIRA_PROMPTS_DIR)
        issues = check_tree(root)
        # The content classifier's word lists (config/safety/*.yaml) are content too.
        from ai_providers.content_rules import validate_lexicons

        issues += validate_lexicons()
        # So is the learned classifier's extra training text, benign and unsafe.
        from ai_providers.content_rules.model import extra_benign, extra_unsafe

        for load in (extra_benign, extra_unsafe):
            try:
                load()
            except (ValueError, OSError, yaml.YAMLError) as exc:
                issues.append(str(exc))
        if issues:
            for issue in issues:
                self.stderr.write(str(issue))
            raise CommandError(f"{len(issues)} problem(s) in {root}")
        self.stdout.write(f"prompts OK: {root}")
