"""Write the database's prompt versions back to the tree: ``manage.py export_prompts``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prompts_app.checks import check_tree
from prompts_app.services import prompts_export


class Command(BaseCommand):
    help = (
        "Write each current version to its file and every published or archived version to "
        "versions/v<label>/, so admin edits can be reviewed and committed. Drafts stay in the "
        "database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=None, help="prompt tree (default: MIRA_PROMPTS_DIR)"
        )
        parser.add_argument("--environment", default=None, help="default: MIRA_ENVIRONMENT")

    def handle(self, *args, path=None, environment=None, **options):
        root = Path(path or settings.MIRA_PROMPTS_DIR)
        written = prompts_export(root=root, environment=environment)
        for file in written:
            self.stdout.write(f"wrote {file}")
        self.stdout.write(f"{len(written)} file(s) changed in {root}")
        issues = check_tree(root)
        if issues:
            for issue in issues:
                self.stderr.write(str(issue))
            raise CommandError(f"the exported tree has {len(issues)} problem(s)")
