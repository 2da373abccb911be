"""Sign-in throttling: guessing is slowed, and no stranger can keep a worker out."""

from datetime import timedelta

from django.test import Client, override_settings
from django.utils import timezone

from accounts.known_devices import KNOWN_DEVICE_COOKIE
from accounts.models import LoginThrottle
from accounts.throttle import backoff_minutes
from audit.models import AuditEvent
from tsunagu.test import PASSWORD, BaseTestCase
from tsunagu.test import sign_in as full_sign_in

STRANGER = "203.0.113.9"
OFFICE = "198.51.100.20"
THROTTLED = "一時的に制限しています"


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def fail(client: Client, username: str = "soudan", times: int = 1) -> None:
    for _ in range(times):
        client.post("/login/", {"username": username, "password": "wrong"})


def sign_in(client: Client, username: str = "soudan") -> int:
    """The status of a sign-in with the right password (302 = in, 200 = the form again)."""
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    return response.status_code


def let_time_pass(minutes: float) -> None:
    """As if `minutes` had passed: every recorded failure and wait moves that far into the past."""
    shift = timedelta(minutes=minutes)
    for row in LoginThrottle.objects.all():
        row.last_failure_at -= shift
        if row.blocked_until is not None:
            row.blocked_until -= shift
        row.save()


def wait_minutes_of(kind: str) -> float:
    row = LoginThrottle.objects.get(kind=kind)
    assert row.blocked_until is not None
    return round((row.blocked_until - row.last_failure_at).total_seconds() / 60, 2)


class KnownDeviceTests(BaseTestCase):
    def known_device(self, address: str = OFFICE) -> Client:
        client = client_at(address)
        # A browser becomes known after both factors.
        self.assertEqual(full_sign_in(client, self.soudan).status_code, 200)
        self.assertIn(KNOWN_DEVICE_COOKIE, client.cookies)
        client.post("/logout/")
        return client

    def test_a_strangers_fifty_failures_do_not_stop_the_real_user_on_their_known_device(
        self,
    ) -> None:
        device = self.known_device()
        fail(client_at(STRANGER), times=50)
        fail(client_at(OFFICE), times=50)  # even from the same office address
        self.assertEqual(sign_in(device), 302)

    def test_the_known_device_is_slowed_by_its_own_failures_only(self) -> None:
        device = self.known_device()
        fail(device, times=5)
        response = device.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, THROTTLED)
        self.assertEqual(
            list(LoginThrottle.objects.values_list("kind", flat=True)),
            [LoginThrottle.Kind.KNOWN_DEVICE],
        )

    def test_a_forged_device_cookie_counts_as_an_unknown_device(self) -> None:
        self.known_device()
        forged = client_at(STRANGER)
        forged.cookies[KNOWN_DEVICE_COOKIE] = f"{self.soudan.pk}:guessed"
        fail(forged, times=5)
        self.assertEqual(
            LoginThrottle.objects.get(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS).failures, 5
        )
        self.assertContains(
            forged.post("/login/", {"username": "soudan", "password": PASSWORD}), THROTTLED
        )

    def test_a_device_known_for_one_account_is_unknown_for_another(self) -> None:
        device = self.known_device()
        fail(device, "douryou", times=5)
        self.assertContains(
            device.post("/login/", {"username": "douryou", "password": PASSWORD}), THROTTLED
        )
        self.assertEqual(sign_in(device), 302)


class PairBackoffTests(BaseTestCase):
    def test_a_stranger_elsewhere_does_not_slow_the_account_from_another_address(self) -> None:
        fail(client_at(STRANGER), times=30)
        self.assertEqual(sign_in(client_at(OFFICE)), 302)

    def test_the_wait_grows_1_2_4_minutes_and_is_capped(self) -> None:
        stranger = client_at(STRANGER)
        fail(stranger, times=5)
        waits = [wait_minutes_of(LoginThrottle.Kind.ACCOUNT_ADDRESS)]
        for _ in range(8):
            let_time_pass(waits[-1])
            fail(stranger)
            waits.append(wait_minutes_of(LoginThrottle.Kind.ACCOUNT_ADDRESS))
        self.assertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60])

    def test_attempts_while_waiting_are_not_counted_and_do_not_extend_the_wait(self) -> None:
        stranger = client_at(STRANGER)
        fail(stranger, times=5)
        until = LoginThrottle.objects.get(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS).blocked_until
        fail(stranger, times=20)
        row = LoginThrottle.objects.get(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS)
        self.assertEqual((row.failures, row.refused, row.blocked_until), (5, 20, until))
        # Nor do they reach the audit log: five failures, five rows.
        self.assertEqual(len(self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)), 5)

    def test_a_refused_attempt_is_cheap_and_writes_no_audit_row(self) -> None:
        stranger = client_at(STRANGER)
        fail(stranger, times=5)
        rows = len(self.audit_rows())
        # the typed name's account, the waits of its keys, the refusal count of pair and address
        with self.assertNumQueries(4):
            fail(stranger)
        self.assertEqual(len(self.audit_rows()), rows)

    def test_even_the_right_password_waits_and_the_message_says_how_long(self) -> None:
        stranger = client_at(STRANGER)
        fail(stranger, times=6)  # the 6th is refused: the wait is 1 minute
        let_time_pass(1)
        fail(stranger)  # the 6th failure: 2 minutes
        response = stranger.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, "2分ほど待ってから")
        self.assertNotIn("_auth_user_id", stranger.session)
        let_time_pass(2)
        self.assertEqual(sign_in(stranger), 302)

    def test_a_success_starts_the_pair_afresh(self) -> None:
        client = client_at(OFFICE)
        fail(client, times=4)
        self.assertEqual(sign_in(client), 302)
        self.assertFalse(LoginThrottle.objects.filter(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS))

    def test_a_count_is_forgotten_after_a_quiet_day(self) -> None:
        stranger = client_at(STRANGER)
        fail(stranger, times=5)
        let_time_pass(24 * 60 + 1)
        fail(stranger)
        row = LoginThrottle.objects.get(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS)
        self.assertEqual((row.failures, row.blocked_until), (1, None))

    @override_settings(LOGIN_BACKOFF_MAX_MINUTES=5)
    def test_the_cap_is_a_setting(self) -> None:
        self.assertEqual([backoff_minutes(n, 5) for n in range(4, 10)], [0, 1, 2, 4, 5, 5])

    def test_the_page_does_not_tell_whether_the_account_exists(self) -> None:
        stranger = client_at(STRANGER)
        answers = []
        for username in ("soudan", "nobody-here"):
            pages = [
                stranger.post("/login/", {"username": username, "password": "wrong"})
                for _ in range(6)
            ]
            answers.append([_errors(page.content.decode()) for page in pages])
        self.assertEqual(answers[0], answers[1])
        self.assertIn("ユーザー名またはパスワードが正しくありません。", answers[0][0])
        self.assertIn("1分ほど待ってから", answers[0][5])

    def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(self) -> None:
        type(self.soudan).objects.filter(pk=self.soudan.pk).update(is_active=False)
        response = client_at(OFFICE).post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません。")


def _errors(page: str) -> str:
    start = page.index('<div class="errors"')
    return page[start : page.index("</div>", start)]


class AddressCeilingTests(BaseTestCase):
    def test_an_address_trying_many_names_is_slowed_without_locking_any_account(self) -> None:
        stranger = client_at(STRANGER)
        for number in range(20):
            fail(stranger, f"guess{number}")
        self.assertEqual(wait_minutes_of(LoginThrottle.Kind.ADDRESS), 1)
        # The address waits, for any name …
        self.assertContains(
            stranger.post("/login/", {"username": "douryou", "password": PASSWORD}), THROTTLED
        )
        # … but the accounts do not: from elsewhere they sign in at once.
        self.assertEqual(sign_in(client_at(OFFICE), "douryou"), 302)

    def test_a_known_device_behind_a_busy_address_is_not_slowed(self) -> None:
        device = client_at(STRANGER)
        self.assertEqual(full_sign_in(device, self.soudan).status_code, 200)
        device.post("/logout/")
        for number in range(30):
            fail(client_at(STRANGER), f"guess{number}")
        self.assertEqual(sign_in(device), 302)

    def test_bad_api_tokens_do_not_slow_the_login_page(self) -> None:
        for _ in range(30):
            client_at(STRANGER).get("/api/v1/me", headers={"Authorization": "Bearer tsg_bad"})
        self.assertEqual(sign_in(client_at(STRANGER)), 302)


class UnlockTests(BaseTestCase):
    def test_the_administrator_sees_who_waits_and_unlocks_them_with_an_audit_row(self) -> None:
        fail(client_at(STRANGER), times=5)
        self.login(self.admin)
        listing = self.client.get("/staff/")
        self.assertContains(listing, "ログインを制限中の職員")
        self.assertContains(listing, f'href="/staff/{self.soudan.pk}/#login-throttle"')
        detail = self.client.get(f"/staff/{self.soudan.pk}/")
        self.assertContains(detail, STRANGER)
        self.assertContains(detail, "ログインの制限を解除する")

        response = self.client.post(f"/staff/{self.soudan.pk}/unlock/")

        self.assertRedirects(response, f"/staff/{self.soudan.pk}/")
        self.assertFalse(LoginThrottle.objects.filter(user=self.soudan))
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.soudan.pk))
        self.assertEqual(row.actor_id, self.admin.pk)
        self.assertEqual(row.detail, {"reason": "login_unlocked", "cleared": 1})
        self.assertEqual(sign_in(client_at(STRANGER)), 302)

    def test_unlock_clears_the_name_typed_in_another_case_too(self) -> None:
        fail(client_at(STRANGER), "SOUDAN", times=5)
        self.login(self.admin)
        self.client.post(f"/staff/{self.soudan.pk}/unlock/")
        self.assertFalse(LoginThrottle.objects.filter(kind=LoginThrottle.Kind.ACCOUNT_ADDRESS))

    def test_another_offices_administrator_cannot_unlock(self) -> None:
        fail(client_at(STRANGER), "minato", times=5)
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.minato.pk}/unlock/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(LoginThrottle.objects.filter(user=self.minato))

    def test_a_worker_cannot_unlock(self) -> None:
        fail(client_at(STRANGER), "douryou", times=5)
        self.login(self.soudan)
        self.assertEqual(self.client.post(f"/staff/{self.douryou.pk}/unlock/").status_code, 403)

    def test_the_waiting_rows_expire_into_the_past(self) -> None:
        fail(client_at(STRANGER), times=5)
        let_time_pass(2)
        self.login(self.admin)
        self.assertContains(self.client.get("/staff/"), "ログインを制限中の職員はいません。")
        self.assertLess(
            LoginThrottle.objects.get(user=self.soudan).blocked_until or timezone.now(),
            timezone.now(),
        )


@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
class BehindTheProxyTests(BaseTestCase):
    def test_behind_the_proxy_a_strangers_failures_slow_only_the_strangers_address(self) -> None:
        proxy = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=STRANGER)
        fail(proxy, times=30)
        colleague = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=OFFICE)
        self.assertEqual(sign_in(colleague), 302)
        self.assertEqual(
            set(LoginThrottle.objects.values_list("ip_address", flat=True)), {STRANGER}
        )

    def test_a_forged_header_from_outside_the_proxy_is_not_believed(self) -> None:
        forger = Client(REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=OFFICE)
        fail(forger, times=5)
        self.assertEqual(
            set(LoginThrottle.objects.values_list("ip_address", flat=True)), {STRANGER}
        )
