from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Username and password login; demo accounts can log in only while demo mode is on."""

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: int) -> Any:
        user = super().get_user(user_id)
        if user is not None and not self.user_can_authenticate(user):
            return None
        return user
