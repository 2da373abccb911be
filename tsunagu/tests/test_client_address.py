"""The client address and the proxy headers are believed only from a configured proxy."""

from django.http import HttpRequest
from django.test import RequestFactory, SimpleTestCase, override_settings

from tsunagu.client_address import TrustedProxyMiddleware, client_address

PROXY = "10.0.0.5"


def request_from(remote: str, forwarded: str = "", proto: str = "") -> HttpRequest:
    headers = {}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    if proto:
        headers["HTTP_X_FORWARDED_PROTO"] = proto
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


class ClientAddressTests(SimpleTestCase):
    def test_without_trusted_proxies_x_forwarded_for_is_ignored(self) -> None:
        self.assertEqual(client_address(request_from("198.51.100.7", "1.2.3.4")), "198.51.100.7")

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_a_client_that_is_not_the_proxy_cannot_choose_its_address(self) -> None:
        self.assertEqual(client_address(request_from("198.51.100.7", "1.2.3.4")), "198.51.100.7")

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_from_the_proxy_the_right_most_address_is_the_client(self) -> None:
        # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
        request = request_from(PROXY, "1.2.3.4, 198.51.100.7")
        self.assertEqual(client_address(request), "198.51.100.7")

    @override_settings(TRUSTED_PROXIES=["10.0.0.0/24", "2001:db8::/32"])
    def test_a_chain_of_trusted_proxies_is_skipped_from_the_right(self) -> None:
        request = request_from("10.0.0.9", "1.2.3.4, 198.51.100.7, 2001:db8::1, 10.0.0.3")
        self.assertEqual(client_address(request), "198.51.100.7")

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_a_hop_that_is_no_address_stops_the_walk(self) -> None:
        self.assertEqual(client_address(request_from(PROXY, "1.2.3.4, junk")), PROXY)

    @override_settings(TRUSTED_PROXIES=[PROXY])
    def test_the_proxy_without_the_header_is_the_client(self) -> None:
        self.assertEqual(client_address(request_from(PROXY)), PROXY)


class TrustedProxyMiddlewareTests(SimpleTestCase):
    def passed_on(self, request: HttpRequest) -> HttpRequest:
        seen: list[HttpRequest] = []

        def view(passed: HttpRequest) -> object:
            seen.append(passed)
            return None

        TrustedProxyMiddleware(view)(request)  # type: ignore[arg-type]
        return seen[0]

    @override_settings(
        TRUSTED_PROXIES=[PROXY], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    )
    def test_it_drops_x_forwarded_proto_from_anyone_but_the_proxy(self) -> None:
        request = self.passed_on(request_from("198.51.100.7", "1.2.3.4", proto="https"))
        self.assertFalse(request.is_secure())
        self.assertNotIn("HTTP_X_FORWARDED_FOR", request.META)

    @override_settings(
        TRUSTED_PROXIES=[PROXY], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    )
    def test_it_keeps_them_from_the_proxy(self) -> None:
        request = self.passed_on(request_from(PROXY, "198.51.100.7", proto="https"))
        self.assertTrue(request.is_secure())
        self.assertEqual(client_address(request), "198.51.100.7")

    def test_it_is_first_in_the_middleware(self) -> None:
        from django.conf import settings

        self.assertEqual(settings.MIDDLEWARE[0], "tsunagu.client_address.TrustedProxyMiddleware")


def test_a_bad_trusted_proxy_entry_stops_the_start_with_its_name() -> None:
    from tsunagu.tests.test_settings import GOOD_KEY, start_production

    result = start_production(
        SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="a.lg.jp", TSUNAGU_TRUSTED_PROXIES="10.0.0.5,proxy"
    )
    assert result.returncode != 0
    assert "TSUNAGU_TRUSTED_PROXIES の 'proxy'" in result.stderr
