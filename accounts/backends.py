from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class StaffBackend(ModelBackend):
    """Username and password login; demo accounts can log in only while demo mode is on."""

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: int) -> Any:
        # Every page shows the organisation and checks rights: load them with the user.
        user = (
            User.objects.select_related("organisation__local_government")
            .prefetch_related("staff_roles")
            .filter(pk=user_id)
            .order_by("pk")
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
