"""Browser tests (pytest-playwright + Debian Chromium); run with `make e2e`."""
