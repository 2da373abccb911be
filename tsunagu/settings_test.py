"""Test settings: the real settings with a fast password hasher and tasks run immediately."""

from tsunagu.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# No audit checkpoint file unless a test names one: a developer's own file (var/) describes
# another database and would fail the tests' verify_audit.
AUDIT_CHECKPOINT_FILE = ""
