"""Load the prompt tree into the database: ``manage.py sync_prompts``. Idempotent."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prompts_app.errors import PromptError
from prompts_app.services import prompts_sync


class Command(BaseCommand):
    help = (
        "Store every prompt file as a version (unchanged content makes no new version) and "
        "publish files whose content is new in this environment (MIRA_ENVIRONMENT)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=None, help="prompt tree (default: MIRA_PROMPTS_DIR)"
        )
        parser.add_argument("--environment", default=None, help="default: MIRA_ENVIRONMENT")
        parser.add_argument(
            "--no-publish", action="store_true", help="store new versions as drafts"
        )

    def handle(self, *args, path=None, environment=None, no_publish=False, **options):
        root = Path(path or settings.MIRA_PROMPTS_DIR)
        try:
            report = prompts_sync(root=root, environment=environment, publish=not no_publish)
        except PromptError as exc:
            raise CommandError(exc.message) from None
        for line in report.created:
            self.stdout.write(f"new version: {line}")
        for line in report.published:
            self.stdout.write(f"published:   {line}")
        self.stdout.write(f"prompts synced from {root}: {report}")
