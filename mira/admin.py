"""Admin pieces shared by the apps' ops consoles."""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For append-only records (ledgers, histories): ops read them, nobody adds, edits or
    deletes a row from the admin."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
