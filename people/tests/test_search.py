"""Person search (people/search.py) on the database the suite runs on: SQLite or PostgreSQL."""

from unittest import mock, skipUnless

from django.db import connection

from accounts.access import visible_to
from accounts.models import Organisation
from people import search
from people.models import Person
from people.search import SearchHit, search_persons
from tsunagu.test import BaseTestCase

SQLITE = connection.vendor == "sqlite"
POSTGRESQL = connection.vendor == "postgresql"


class SearchTestCase(BaseTestCase):
    def person(
        self,
        family: str = "",
        given: str = "",
        family_kana: str = "",
        given_kana: str = "",
        *,
        alias: str = "",
        organisation: Organisation | None = None,
    ) -> Person:
        return Person.objects.create(
            organisation=organisation or self.window,
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            alias=alias,
        )

    def search(self, q: str, *, limit: int = 50) -> list[SearchHit]:
        """What soudan's search box answers: their organisation's current records only."""
        return search_persons(visible_to(self.soudan, Person.objects.current()), q, limit=limit)

    def found(self, q: str) -> list[str]:
        return [str(hit.person) for hit in self.search(q)]


class SpellingTests(SearchTestCase):
    def test_hashigo_daka_finds_the_common_takahashi_and_the_other_way_round(self) -> None:
        self.person("高橋", "一郎", "タカハシ", "イチロウ")
        self.person("髙橋", "次郎", "タカハシ", "ジロウ")
        for q in ("髙橋一郎", "髙橋"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q)[0], "高橋 一郎")
        for q in ("高橋次郎", "高橋"):
            with self.subTest(q=q):
                self.assertIn("髙橋 次郎", self.found(q))

    def test_saito_is_found_by_its_reading_in_half_width_hiragana_and_katakana(self) -> None:
        self.person("齋藤", "花子", "サイトウ", "ハナコ")
        for q in ("ｻｲﾄｳ", "さいとう", "サイトウ", "さいとう はなこ"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), ["齋藤 花子"])

    def test_saito_written_with_sei_finds_saito_written_with_old_sai(self) -> None:
        self.person("齋藤", "花子", "サイトウ", "ハナコ")
        self.assertEqual(self.found("斉藤"), ["齋藤 花子"])
        self.assertEqual(self.found("斉藤花子"), ["齋藤 花子"])

    def test_watanabe_in_the_old_form_finds_watanabe_in_the_common_form(self) -> None:
        self.person("渡辺", "健", "ワタナベ", "ケン")
        self.assertEqual(self.found("渡邊"), ["渡辺 健"])
        self.assertEqual(self.found("渡邊 健"), ["渡辺 健"])

    def test_surname_in_kanji_with_the_given_name_in_kana_finds_the_person(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        hits = self.search("高橋ゆうき")
        self.assertEqual([str(hit.person) for hit in hits], ["高橋 勇気"])
        self.assertEqual(hits[0].score, 1.0)

    def test_surname_in_kana_with_the_given_name_in_kanji_finds_the_person(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.assertEqual(self.found("たかはし勇気"), ["高橋 勇気"])

    def test_a_long_vowel_mark_finds_the_reading_written_with_u(self) -> None:
        self.person("佐藤", "翔", "サトウ", "ショウ")
        self.assertEqual(self.found("サトー"), ["佐藤 翔"])

    def test_a_long_vowel_written_either_way_finds_the_person(self) -> None:
        self.person("和田", "裕子", "ワダ", "ユウコ")
        self.person("大野", "恭子", "オオノ", "キョウコ")
        self.person("小野", "京子", "オノ", "キョウコ")
        for q in ("わだ ゆーこ", "ワダユーコ", "ゆーこ"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), ["和田 裕子"])
        for q in ("オーノ", "おうの", "おおの きょーこ"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q)[0], "大野 恭子")
        self.assertEqual(self.found("おの")[0], "小野 京子")

    def test_an_alias_is_found_by_a_part_of_it(self) -> None:
        self.person(alias="Bさんの長男")
        self.assertEqual(self.found("長男"), ["Bさんの長男"])
        self.assertEqual(self.found("bさんの"), ["Bさんの長男"])

    def test_quotes_and_search_operators_in_the_query_are_taken_literally(self) -> None:
        self.person(alias='ゆう"ちゃん"')
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.assertEqual(self.found('ゆう"ちゃん'), ['ゆう"ちゃん"'])
        self.assertEqual(self.found("タカ OR ユウ"), [])
        # At most a near miss (PostgreSQL ignores the quote there), never a substring hit.
        self.assertEqual([hit for hit in self.search('"タカ') if hit.score > 0.25], [])


class ShortQueryTests(SearchTestCase):
    def test_a_one_character_query_finds_takahashi_by_his_surname(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.person("佐藤", "翔", "サトウ", "ショウ")
        self.assertEqual(self.found("高"), ["高橋 勇気"])

    def test_a_two_character_query_finds_takahashi_by_his_reading(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.person("佐藤", "翔", "サトウ", "ショウ")
        self.assertEqual(self.found("たか"), ["高橋 勇気"])

    def test_a_short_query_matches_the_start_of_a_name_not_its_middle(self) -> None:
        self.person("中高", "大輔", "ナカタカ", "ダイスケ")
        self.person("高木", "大輔", "タカギ", "ダイスケ")
        self.assertEqual(self.found("高"), ["高木 大輔"])
        self.assertEqual(self.found("たか"), ["高木 大輔"])

    def test_a_short_query_finds_a_given_name_by_its_start_in_kanji_or_kana(self) -> None:
        self.person("中高", "大輔", "ナカタカ", "ダイスケ")
        self.person("高木", "めぐみ", "タカギ", "メグミ")
        self.assertEqual(self.found("大"), ["中高 大輔"])
        self.assertEqual(self.found("だい"), ["中高 大輔"])
        self.assertEqual(self.found("め"), ["高木 めぐみ"])

    def test_a_short_query_ranks_a_name_starting_with_it_first(self) -> None:
        self.person("山田", "高志", "ヤマダ", "タカシ")
        self.person("高木", "大輔", "タカギ", "ダイスケ")
        self.assertEqual(self.found("高"), ["高木 大輔", "山田 高志"])


class RankingTests(SearchTestCase):
    def test_an_exact_key_ranks_above_a_prefix_and_a_prefix_above_a_substring(self) -> None:
        # By name_key alone the order would be the reverse: 山 < 花 < 鈴.
        self.person("山田", "花子", "ヤマダ", "ハナコ")
        self.person("花小路", family_kana="ハナコウジ")
        self.person("鈴木", "京子", "スズキ", "キョウコ", alias="ハナコ")
        hits = self.search("はなこ")
        self.assertEqual([str(hit.person) for hit in hits], ["鈴木 京子", "花小路", "山田 花子"])
        self.assertEqual(hits[0].score, 1.0)
        self.assertGreater(hits[0].score, hits[1].score)
        self.assertGreater(hits[1].score, hits[2].score)

    def test_equal_closeness_is_ordered_by_name_then_id(self) -> None:
        second = self.person("高橋", "勇気", "タカハシ", "ユウキ")
        first = self.person("高橋", "勇気", "タカハシ", "ユウキ")
        other = self.person("高橋", "一郎", "タカハシ", "イチロウ")
        hits = self.search("タカハシ")
        self.assertEqual([hit.person.pk for hit in hits], [other.pk, second.pk, first.pk])

    def test_limit_keeps_the_best_hits(self) -> None:
        self.person("山田", "花子", "ヤマダ", "ハナコ")
        self.person("鈴木", "京子", "スズキ", "キョウコ", alias="ハナコ")
        self.assertEqual([str(hit.person) for hit in self.search("ハナコ", limit=1)], ["鈴木 京子"])
        self.assertEqual(self.search("ハナコ", limit=0), [])

    def test_the_candidate_caps_keep_the_exact_hit_when_many_names_contain_the_query(
        self,
    ) -> None:
        for given, given_kana in (("一郎", "イチロウ"), ("二郎", "ジロウ"), ("三郎", "サブロウ")):
            self.person("山田", given, "ヤマダ", given_kana)
        self.person("鈴木", alias="ヤマダ")
        caps = {"PREFIX_CAP": 1, "ALIAS_CAP": 1, "SUBSTRING_CAP": 1, "NEAR_MISS_CAP": 1}
        with mock.patch.multiple(search, **caps):
            found = self.found("やまだ")
        self.assertEqual(found[0], "鈴木")
        self.assertIn("山田 一郎", found)  # first by reading, within the prefix cap

    def test_prefix_hits_that_fill_the_limit_are_the_answer_and_a_larger_limit_adds_substrings(
        self,
    ) -> None:
        self.person("山田", "一郎", "ヤマダ", "イチロウ")
        self.person("山田", "二郎", "ヤマダ", "ジロウ")
        self.person("小山田", "花子", "オヤマダ", "ハナコ")  # ヤマダ in the middle only
        self.assertEqual(self.found("やまだ")[-1], "小山田 花子")
        # Two prefix hits fill a limit of two: the substring legs are not run (search.py).
        self.assertEqual(
            sorted(str(hit.person) for hit in self.search("やまだ", limit=2)),
            ["山田 一郎", "山田 二郎"],
        )
        self.assertIn("小山田 花子", [str(hit.person) for hit in self.search("やまだ", limit=3)])

    def test_an_alias_starting_with_the_query_is_found_even_when_names_fill_the_limit(
        self,
    ) -> None:
        self.person("山田", "一郎", "ヤマダ", "イチロウ")
        self.person("山田", "二郎", "ヤマダ", "ジロウ")
        self.person(alias="やまだ")
        self.assertEqual(str(self.search("ヤマダ", limit=2)[0].person), "やまだ")

    def test_the_middle_of_an_alias_is_looked_for_only_when_starts_are_fewer_than_the_limit(
        self,
    ) -> None:
        self.person("長田", "一郎", "ナガタ", "イチロウ")
        self.person("長田", "二郎", "ナガタ", "ジロウ")
        self.person(alias="Bさんの長男")
        self.assertEqual(sorted(self.found("長")), ["Bさんの長男", "長田 一郎", "長田 二郎"])
        self.assertEqual(
            sorted(str(hit.person) for hit in self.search("長", limit=2)),
            ["長田 一郎", "長田 二郎"],
        )

    def test_a_blank_query_finds_nothing_and_asks_the_database_nothing(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        with self.assertNumQueries(0):
            self.assertEqual(self.search(""), [])
            self.assertEqual(self.search("  \u3000"), [])


class ScopeTests(SearchTestCase):
    def test_a_person_of_another_organisation_is_never_found_even_by_the_exact_name(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ", organisation=self.minato_window)
        for q in ("高橋勇気", "タカハシユウキ", "高橋", "高"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q), [])

    def test_the_own_organisation_s_namesake_is_found_and_the_other_one_is_not(self) -> None:
        own = self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.person("高橋", "勇気", "タカハシ", "ユウキ", organisation=self.minato_window)
        self.assertEqual([hit.person.pk for hit in self.search("高橋勇気")], [own.pk])

    def test_a_merged_record_is_not_found_in_the_current_records(self) -> None:
        kept = self.person("齋藤", "花子", "サイトウ", "ハナコ")
        merged = self.person("斎藤", "花子", "サイトウ", "ハナコ")
        merged.merged_into = kept
        merged.save()
        self.assertEqual([hit.person.pk for hit in self.search("サイトウハナコ")], [kept.pk])
        self.assertEqual([hit.person.pk for hit in self.search("斎藤")], [kept.pk])


class IndexMaintenanceTests(SearchTestCase):
    def test_after_a_rename_the_old_name_finds_nothing_and_the_new_one_finds_the_person(
        self,
    ) -> None:
        person = self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.assertEqual(self.found("タカハシ"), ["高橋 勇気"])
        person.family_name, person.family_name_kana = "森田", "モリタ"
        person.save()
        self.assertEqual(self.found("タカハシ"), [])
        self.assertEqual(self.found("高橋勇気"), [])
        self.assertEqual(self.found("モリタ"), ["森田 勇気"])
        self.assertEqual(self.found("森田勇気"), ["森田 勇気"])

    def test_a_search_costs_two_queries_however_many_persons_it_finds(self) -> None:
        for given in ("一郎", "二郎", "三郎", "四郎"):
            self.person("高橋", given, "タカハシ", "")
        queryset = visible_to(self.soudan, Person.objects.current())
        for q in ("タカハシ", "高"):
            with self.subTest(q=q), self.assertNumQueries(2):
                hits = search_persons(queryset, q)
                self.assertEqual(len(hits), 4)
                self.assertEqual({hit.person.organisation_id for hit in hits}, {self.window.pk})

    def test_names_that_lengthen_under_nfkc_are_saved_and_found_by_their_start(self) -> None:
        person = Person.objects.create(
            organisation=self.window,
            family_name="㍿" * 60,
            given_name="㍿" * 60,
            given_name_kana="ヿ" * 120,
            alias="㍿" * 120,
        )
        self.assertEqual(len(person.name_key), 240)  # 480 characters cut to the column
        self.assertEqual(len(person.alias_key), 120)
        for q in ("株式会社株式会社", "コトコト"):
            with self.subTest(q=q):
                self.assertIn(person.pk, [hit.person.pk for hit in self.search(q)])

    @skipUnless(SQLITE, "the FTS5 table exists on SQLite only")
    def test_the_sqlite_index_is_kept_in_sync_by_triggers_after_all_migrations(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            triggers = {row[0] for row in cursor.fetchall()}
        self.assertLessEqual(
            {"people_person_fts_insert", "people_person_fts_update", "people_person_fts_delete"},
            triggers,
        )

    @skipUnless(SQLITE, "the FTS5 table exists on SQLite only")
    def test_a_deleted_person_leaves_the_sqlite_index(self) -> None:
        person = self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.assertEqual(self.fts_ids("タカハシ"), [person.pk])
        person.delete()
        self.assertEqual(self.fts_ids("タカハシ"), [])

    def fts_ids(self, key: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s",
                [search.fts_phrase(key)],
            )
            return [row[0] for row in cursor.fetchall()]

    @skipUnless(POSTGRESQL, "the trigram index exists on PostgreSQL only")
    def test_the_postgresql_trigram_index_exists(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'people_person_search_trgm'"
            )
            (definition,) = cursor.fetchone() or ("",)
        self.assertIn("gin (search_text gin_trgm_ops)", definition)


@skipUnless(POSTGRESQL, "near misses need pg_trgm")
class NearMissTests(SearchTestCase):
    def test_a_typo_finds_the_person_below_every_substring_hit(self) -> None:
        self.person("高橋", "勇気", "タカハシ", "ユウキ")
        self.person("中", family_kana="タカハン")
        hits = self.search("タカハン")
        self.assertEqual([str(hit.person) for hit in hits], ["中", "高橋 勇気"])
        self.assertLess(hits[1].score, 0.25)


class RefreshPersonKeysCommandTests(BaseTestCase):
    def test_it_fills_keys_left_empty_by_a_migration(self) -> None:
        from io import StringIO

        from django.core.management import call_command

        person = Person.objects.create(
            organisation=self.window,
            family_name="高橋",
            given_name="勇気",
            family_name_kana="タカハシ",
            given_name_kana="ユウキ",
            alias="Bさんの長男",
        )
        Person.objects.filter(pk=person.pk).update(reading_key="", given_key="", alias_key="")
        out = StringIO()
        call_command("refresh_person_keys", stdout=out)
        person.refresh_from_db()
        # The loose keys fold the long vowel, write kana in katakana and Latin in lower case.
        self.assertEqual(
            (person.reading_key, person.given_key, person.alias_key),
            ("タカハシユーキ", "勇気", "bサンノ長男"),
        )
        self.assertIn("照合キーを 1 件更新しました", out.getvalue())
