"""The audit log a person can read: filters by Japanese names, one compact row per event with the
detail on demand, and a person's name only to an auditor who may see that person."""

from typing import Any

from django.urls import reverse

from accounts.models import StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record
from people.models import Person
from tsunagu.test import PASSWORD, BaseTestCase, audit_lock_queries


def staff(username: str, display_name: str, organisation: Any, *roles: Role) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, display_name=display_name, organisation=organisation
    )
    for role in roles:
        StaffRole.objects.create(user=user, role=role)
    return user


class JapaneseFilterTests(BaseTestCase):
    def setUp(self) -> None:
        audit_record(
            action=AuditEvent.Action.READ,
            actor=self.soudan,
            object_type="cases.case",
            object_id=12,
        )
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=self.douryou,
            object_type="people.person",
            object_id=34,
            fields=["address"],
        )

    def kinds(self, query: dict[str, str]) -> list[str]:
        response = self.client.get("/audit/", query)
        return [f"{e.object_type}#{e.object_id}" for e in response.context["page"]]

    def test_the_record_kind_and_the_action_are_selects_of_japanese_names(self) -> None:
        self.login(self.kansa)
        response = self.client.get("/audit/")
        self.assertContains(response, '<optgroup label="ケース">')
        self.assertContains(response, '<option value="cases.case">ケース</option>', html=True)
        self.assertContains(
            response, '<option value="people.person">本人・家族</option>', html=True
        )
        self.assertContains(response, '<option value="update">更新</option>', html=True)
        self.assertContains(response, '<label for="id_object_type">記録の種類</label>')
        self.assertEqual(self.kinds({"object_type": "cases.case"}), ["cases.case#12"])
        self.assertEqual(self.kinds({"action": "update"}), ["people.person#34"])

    def test_a_record_kind_not_in_the_list_is_shown_and_not_applied(self) -> None:
        self.login(self.kansa)
        response = self.client.get("/audit/", {"object_type": "nothing.here"})
        self.assertContains(response, "この条件は使わずに表示しています")

    def test_the_staff_member_by_display_name_or_user_name(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.kinds({"actor": "相談"}), ["cases.case#12"])
        self.assertEqual(self.kinds({"actor": "同僚 一郎"}), ["people.person#34"])
        self.assertEqual(self.kinds({"actor": "douryou"}), ["people.person#34"])  # bookmarks
        self.assertEqual(self.kinds({"actor": "港"}), [])  # another office's staff

    def test_the_record_number_as_the_page_writes_it(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.kinds({"object_id": "#12"}), ["cases.case#12"])
        self.assertEqual(self.kinds({"object_id": "34"}), ["people.person#34"])


class CompactRowTests(BaseTestCase):
    def test_the_row_reads_time_staff_action_record_and_what_changed(self) -> None:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=self.soudan,
            object_type="people.person",
            object_id=34,
            fields=["family_name", "given_name", "address", "birth_date", "sex"],
        )
        self.login(self.kansa)
        response = self.client.get("/audit/", {"action": "update"})
        (row,) = response.context["rows"]
        self.assertContains(response, '<span title="soudan">相談 花子</span>')
        self.assertContains(response, '<td class="audit-action">更新</td>')
        self.assertContains(response, '<span title="people.person">本人・家族</span> #34')
        # The fields are stored sorted; the row names the first three and counts the rest.
        self.assertEqual(
            row.summary, "項目: 住所（都道府県・市区町村・町域）・生年月日・姓 ほか2項目"
        )
        self.assertContains(response, "ほか2項目</summary>")
        self.assertRegex(
            response.content.decode(), r"<time datetime=\"[^\"]+\">R\d+\.\d+\.\d+ \d\d:\d\d</time>"
        )

    def test_the_detail_on_demand_has_everything_the_row_stores(self) -> None:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=self.soudan,
            object_type="cases.case",
            object_id=7,
            detail={"reason": "out_of_scope"},
        )
        event = AuditEvent.objects.order_by("-id").first()
        assert event is not None
        self.login(self.kansa)
        response = self.client.get("/audit/", {"action": "denied"})
        self.assertContains(response, "理由: 他の機関の記録</summary>")
        for label, value in (
            ("番号", f"#{event.id}"),
            ("操作者", "相談 花子（soudan）"),
            ("操作", "アクセス拒否"),
            ("記録", "ケース #7（cases.case）"),
            ("理由", "他の機関の記録"),
            ("接続元（IPアドレス）", "不明"),
            ("この行のハッシュ", event.hash),
            ("直前の行のハッシュ", event.prev_hash),
        ):
            with self.subTest(label=label):
                self.assertContains(response, f"<dt>{label}</dt><dd>{value}</dd>")
        self.assertContains(response, "<dt>ハッシュの方式</dt><dd>鍵付き（HMAC-SHA256、鍵 ")
        self.assertContains(response, "<details>")


class PersonNameTests(BaseTestCase):
    """The name needs what the person's page needs: the right to read personal data, the person
    of the viewer's office, and a restricted person only for the person's team."""

    def setUp(self) -> None:
        self.person = Person.objects.create(
            organisation=self.window, family_name="山田", given_name="太郎"
        )
        self.restricted = Person.objects.create(
            organisation=self.window, family_name="秘匿", given_name="花", is_restricted=True
        )
        # An auditor who is also a worker of the office, and one of another office.
        self.reader = staff(
            "kansa2", "監査 二郎", self.window, Role.AUDITOR, Role.CONSULTATION_WORKER
        )
        self.other = staff(
            "kansa3", "監査 三郎", self.minato_window, Role.AUDITOR, Role.CONSULTATION_WORKER
        )
        for person in (self.person, self.restricted):
            audit_record(action=AuditEvent.Action.READ, actor=self.soudan, obj=person)
        # minato's worker tried a person of つなぐ市: a row of minato's office naming the person.
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=self.minato,
            obj=self.person,
            detail={"reason": "out_of_scope"},
        )

    def page(self, user: User) -> str:
        self.login(user)
        return self.client.get("/audit/", {"object_type": "people.person"}).content.decode()

    def test_an_auditor_without_the_right_to_personal_data_sees_the_number_only(self) -> None:
        content = self.page(self.kansa)
        self.assertIn(f"本人・家族</span> #{self.person.pk}", content)
        self.assertNotIn("山田", content)
        self.assertNotIn("秘匿", content)
        self.assertEqual(self.audit_rows(actor=self.kansa, object_type="people.person"), [])

    def test_an_auditor_who_may_read_the_person_sees_the_name_and_the_read_is_audited(self) -> None:
        content = self.page(self.reader)
        url = reverse("person_detail", args=[self.person.pk])
        self.assertIn(
            f'#{self.person.pk} <a href="{url}" class="audit-person">山田 太郎</a>',
            content,
        )
        self.assertIn("<dt>本人・家族</dt><dd>山田 太郎</dd>", content)
        # The restricted person, off the auditor's team: the number only.
        self.assertIn(f"本人・家族</span> #{self.restricted.pk}</td>", content)
        self.assertNotIn("秘匿", content)
        (read,) = self.audit_rows(actor=self.reader, object_type="people.person")
        self.assertEqual(read.detail["ids"], [self.person.pk])
        self.assertEqual(read.detail["fields"], ["alias", "family_name", "given_name"])

    def test_the_restricted_persons_team_sees_its_name(self) -> None:
        self.restricted.team.add(self.reader)
        self.assertIn("秘匿 花", self.page(self.reader))

    def test_an_auditor_of_another_office_never_sees_the_name(self) -> None:
        content = self.page(self.other)
        self.assertIn(f"本人・家族</span> #{self.person.pk}", content)  # minato's own denial
        self.assertNotIn("山田", content)

    def test_the_names_take_one_query_for_the_page(self) -> None:
        self.login(self.reader)
        self.client.get("/audit/")  # warm the session
        # the eight of the page, the persons, and their read's audit row (the chain's last
        # row, the insert, in a savepoint)
        expected = 8 + 1 + 4 + audit_lock_queries()
        with self.assertNumQueries(expected):
            self.client.get("/audit/", {"object_type": "people.person"})
        for number in range(40):
            person = Person.objects.create(organisation=self.window, family_name=f"人{number}")
            audit_record(action=AuditEvent.Action.READ, actor=self.soudan, obj=person)
        with self.assertNumQueries(expected):
            response = self.client.get("/audit/", {"object_type": "people.person"})
        self.assertContains(response, "人39")
