"""The living style page (/styleguide/) and the components it shows."""

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.test import SimpleTestCase

from audit.models import AuditEvent
from tsunagu.styleguide import SampleForm
from tsunagu.templatetags.components import trail_of
from tsunagu.test import BaseTestCase

SECTIONS = (
    "見出しと文字の大きさ",
    "色",
    "ボタン",
    "入力欄",
    "エラーのあるフォーム",
    "表と一覧のページ送り",
    "ディスクリプションリスト",
    "パンくずリスト",
    "バナーとメッセージ",
    "メニュー",
    "バッジと件数",
    "記録のページの見出し",
)


class StyleguidePageTests(BaseTestCase):
    def test_it_shows_every_component_under_its_heading(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        self.assertContains(response, "<h1>画面の部品の一覧（スタイルガイド）</h1>", html=True)
        for heading in SECTIONS:
            self.assertContains(response, f">{heading}</h2>")
        # Colours with the DADS token each names, every kind of button, each banner's kind word.
        self.assertContains(response, "<code>--color-primitive-blue-900</code>", html=True)
        self.assertContains(
            response, '<button type="button" class="danger" disabled>削除する</button>', html=True
        )
        for kind in ("お知らせ：", "完了：", "注意：", "エラー："):
            self.assertContains(response, f'<span class="banner-kind">{kind}</span>', html=True)
        self.assertContains(response, 'aria-label="注意"')
        self.assertContains(response, '<span class="badge overdue">期限切れ</span>', html=True)

    def test_the_form_shows_real_errors_and_the_summary_links_to_each_field(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        self.assertContains(response, "入力内容を確認してください")
        self.assertContains(
            response,
            '<a href="#id_sample_name">相談者の呼び名：相談者の呼び名を入力してください。</a>',
            html=True,
        )
        self.assertContains(response, 'href="#id_sample_received_on"')
        self.assertContains(response, 'href="#id_sample_channel"')
        # The same message stands at the field, which names it in aria-describedby.
        self.assertContains(
            response,
            '<span class="field-error" id="id_sample_name_error" role="alert">'
            "相談者の呼び名を入力してください。</span>",
            html=True,
        )
        self.assertContains(response, 'aria-describedby="id_sample_channel_error"')
        self.assertContains(response, 'value="令和7年13月40日"')

    def test_the_table_is_a_real_list_page_with_sort_headers_and_paging(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        organisations = self.window.local_government.organisations.order_by("name")
        first = organisations.first()
        assert first is not None
        self.assertContains(response, f"<td>{first.name}</td>", html=True)
        self.assertContains(response, f"全{organisations.count()}件中 1〜2件")
        self.assertContains(response, 'aria-sort="ascending"')
        self.assertContains(response, 'aria-label="機関の一覧（見本）のページ"')
        self.assertContains(response, 'role="region" aria-label="機関の一覧（見本）" tabindex="0"')
        second_page = self.client.get("/styleguide/?page=2")
        self.assertContains(second_page, f"全{organisations.count()}件中 3〜")

    def test_the_breadcrumbs_name_the_current_page(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        self.assertContains(response, '<nav class="breadcrumbs" aria-label="パンくずリスト">')
        self.assertContains(response, '<li aria-current="page">スタイルガイド</li>', html=True)
        self.assertContains(
            response, '<li aria-current="page">ケース #12 の支援経過</li>', html=True
        )
        self.assertContains(response, '<a href="/cases/">ケース</a>')

    def test_the_record_header_sample_is_filled_and_the_page_keeps_one_h1(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        html = response.content.decode()
        self.assertEqual(html.count("<h1"), 1)
        self.assertContains(
            response,
            '<p class="record-kind">ケース <span class="record-number">#12</span></p>',
            html=True,
        )
        self.assertContains(response, "<h3>Bさんの長男さんの支援</h3>", html=True)
        self.assertContains(
            response, '<span class="badge record-restricted">閲覧制限</span>', html=True
        )
        self.assertContains(
            response, '<span class="badge record-warn">同意: 期限切れ</span>', html=True
        )
        self.assertContains(response, "<div><dt>主担当</dt><dd>相談 花子</dd></div>", html=True)
        self.assertNotContains(response, "はまだありません")

    def test_a_fieldset_names_its_hint_and_its_error(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/styleguide/")
        # The radio buttons were not chosen: their error, named by the fieldset (no hint).
        self.assertContains(
            response,
            '<fieldset class="field has-error" aria-describedby="id_sample_contact_error">',
        )
        self.assertContains(
            response,
            '<span class="field-error" id="id_sample_contact_error" role="alert">',
        )
        # The checkboxes have a hint and no error.
        self.assertContains(
            response, '<fieldset class="field" aria-describedby="id_plain_concerns_helptext">'
        )
        self.assertContains(
            response, '<fieldset class="field" aria-describedby="id_sample_concerns_helptext">'
        )


class StyleguideAccessTests(BaseTestCase):
    def test_every_office_role_sees_it(self) -> None:
        staff = self.world.staff
        for user in (
            self.soudan,
            self.admin,
            self.kansa,
            self.toukei,
            staff["ibasho"],
            self.minato,
        ):
            self.login(user)
            self.assertEqual(self.client.get("/styleguide/").status_code, 200, user.username)

    def test_a_supporter_is_refused_and_the_refusal_is_audited(self) -> None:
        supporter = self.world.staff["supporter"]
        self.login(supporter)
        response = self.client.get("/styleguide/")
        self.assertEqual(response.status_code, 403)
        refusal = self.audit_rows(actor=supporter, action=AuditEvent.Action.DENIED)[-1]
        self.assertEqual(refusal.detail, {"reason": "not_office_staff"})

    def test_nobody_signed_in_is_sent_to_log_in(self) -> None:
        response = self.client.get("/styleguide/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/login/"))

    def test_the_account_page_links_to_it(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/account/")
        self.assertContains(
            response, '<a href="/styleguide/">画面の部品の一覧（スタイルガイド）</a>', html=True
        )
        self.login(self.world.staff["supporter"])
        self.assertNotContains(self.client.get("/account/"), "/styleguide/")


class ComponentTests(SimpleTestCase):
    def test_a_trail_is_pairs_or_labels_and_urls_in_turn(self) -> None:
        self.assertEqual(
            trail_of(["ホーム", "/", "ケース", "/cases/", "ケース #1"]),
            [("ホーム", "/"), ("ケース", "/cases/"), ("ケース #1", "")],
        )
        self.assertEqual(
            trail_of([[("ホーム", "/"), ("この画面", None)]]), [("ホーム", "/"), ("この画面", "")]
        )

    def test_a_message_is_a_banner_whose_icon_says_its_kind(self) -> None:
        html = render_to_string(
            "components/banner_icon.html", {"kind": Message(constants.WARNING, "x").level_tag}
        )
        self.assertIn('aria-label="注意"', html)

    def test_an_empty_description_reads_unfilled(self) -> None:
        html = render_to_string(
            "components/description_list.html",
            {"items": [("受付日", "令和7年4月3日"), ("メモ", "")]},
        )
        self.assertInHTML("<dt>受付日</dt><dd>令和7年4月3日</dd>", html)
        self.assertInHTML('<dd><span class="unfilled">未記入</span></dd>', html)

    def test_a_fieldset_with_a_hint_and_an_error_names_both(self) -> None:
        form = SampleForm(data={"concerns": ["nothing-like-this"]}, auto_id="id_x_%s")
        form.is_valid()
        html = render_to_string("components/field.html", {"field": form["concerns"]})
        self.assertIn('aria-describedby="id_x_concerns_helptext id_x_concerns_error"', html)
        self.assertIn('id="id_x_concerns_helptext"', html)
        self.assertIn('id="id_x_concerns_error"', html)
