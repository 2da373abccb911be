from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import STAFF, build_world
from cases.demo import build_cases
from collaboration.demo import build_agencies, build_collaboration
from community.demo import build_community
from participation.demo import build_participation
from people.demo import build_people
from supporters.demo import build_supporters


class Command(BaseCommand):
    help = "デモデータ（つなぐ県・つなぐ市と職員）を作成します。何度実行しても同じ結果になります。"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "デモモードではありません。TSUNAGU_DEMO=1 を設定したときだけ実行できます。"
            )
        world = build_world(password=settings.DEMO_PASSWORD, demo=True)
        persons = build_people(world)
        agencies = build_agencies(world)
        build_cases(world, persons, agencies)
        build_collaboration(world, persons)
        build_community(world, persons)
        build_supporters(world)
        build_participation(world)
        self.stdout.write(f"デモ用アカウント（パスワードはすべて {settings.DEMO_PASSWORD}）:")
        for username, display_name, organisation, roles in STAFF:
            role_names = "・".join(role.label for role in roles)
            org_name = world.organisations[organisation].name
            self.stdout.write(f"  {username:<10} {display_name}（{role_names}／{org_name}）")
        self.stdout.write(
            f"デモの本人・家族 {len(persons)} 人と世帯、地域資源 {len(agencies)} 件を用意しました。"
        )
