"""Explained matching (マッチング) between a person's wishes and the offers of the host registry.

`rank_offers` answers in ONE query: the offers the worker may see (`visible_offers`), active, on
an active host that takes people (受入可), with a place free (the active placements counted by a
subquery), each scored in SQL (a CASE per wished condition, weekday and hours), ordered by score
then host name, LIMIT. Only the rows shown are explained in Python: the reasons an offer fits
(合う理由) and the conditions it does not meet (合わない条件), in the words of the offer's form.

`persons_for_offer` is the other way round: the open cases of the worker's own scope whose latest
assessment fits an offer, bounded and audited as any list of persons. Nothing about a person is
written anywhere a host could read it: the host has no login and the offer is not changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import HttpRequest

from accounts.access import audit_list_read, visible_to
from accounts.models import User
from cases.models import Assessment, GuidelineStage, OutingLevel, SelfRelianceStage, Stage
from cases.models import Case as SupportCase
from participation.access import visible_offers
from participation.models import ACTIVE_STAGES, HostStatus, Offer, OfferKind, Placement
from supporters.models import Weekday

# The conditions a person may wish for, in the order of the offer's form.
NEED_FIELDS: tuple[str, ...] = (*Offer.CONDITION_FIELDS, "paid")
# Points of the score: a wished condition met counts most; a weekday or the hours fitting less.
NEED_POINTS = 10
WEEKDAY_POINTS = 5
HOURS_POINTS = 5

NO_ASSESSMENT = "アセスメントがまだないため、希望は空欄から入力してください。"
NOT_IN_ASSESSMENT = (
    "週あたりの時間、不安に感じること、通える範囲はアセスメントの項目にないため、"
    "本人と確かめて入力してください。"
)

# What the outing level of the assessment suggests: conditions that must hold (a person who
# does not leave the house can only take part online) and conditions that help.
OUTING_MUSTS: dict[str, tuple[str, ...]] = {
    OutingLevel.ROOM_ONLY: ("online_possible",),
    OutingLevel.HOME_ONLY: ("online_possible",),
}
OUTING_NEEDS: dict[str, tuple[str, ...]] = {
    OutingLevel.ROOM_ONLY: ("starts_with_one_hour", "works_alone", "no_phone_work"),
    OutingLevel.HOME_ONLY: ("starts_with_one_hour", "works_alone", "no_customer_contact"),
    OutingLevel.NEIGHBOURHOOD: (
        "accompaniment_possible",
        "starts_with_one_hour",
        "quiet_room",
        "no_customer_contact",
    ),
    OutingLevel.HOBBY_ONLY: (
        "accompaniment_possible",
        "starts_with_one_hour",
        "no_customer_contact",
    ),
}
# The kinds of offer that suit the stage of support (ガイドライン) and of self-reliance.
K = OfferKind
GUIDELINE_KINDS: dict[str, tuple[str, ...]] = {
    GuidelineStage.ENCOUNTER: (K.IBASHO,),
    GuidelineStage.INDIVIDUAL: (K.IBASHO,),
    GuidelineStage.GROUP: (K.IBASHO, K.VOLUNTEER, K.FARMING),
    GuidelineStage.PARTICIPATION: (K.WORK_EXPERIENCE, K.INTERMEDIATE, K.VOLUNTEER, K.FARMING),
}
RELIANCE_KINDS: dict[str, tuple[str, ...]] = {
    SelfRelianceStage.WORK: (K.WORK_EXPERIENCE, K.INTERMEDIATE, K.EMPLOYMENT),
}
# What the reverse list reads of each case's latest assessment (named in its audit row).
PERSON_FIT_FIELDS = (
    "title",
    "assessment.outing_level",
    "assessment.guideline_stage",
    "assessment.self_reliance_stage",
)


def condition_label(name: str) -> str:
    """The condition as the offer's form names it (its field's verbose name)."""
    return str(getattr(Offer._meta.get_field(name), "verbose_name", name))


def weekday_labels(codes: Iterable[str]) -> str:
    labels = dict(Weekday.choices)
    return "・".join(str(labels.get(code, code)) for code in codes)


def hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


@dataclass(frozen=True)
class Wishes:
    """What a person wishes for and cannot do without; `basis` says where a pre-fill came from."""

    area: str = ""
    kinds: tuple[str, ...] = ()
    weekdays: tuple[str, ...] = ()
    max_hours_per_week: Decimal | None = None
    needs: tuple[str, ...] = ()  # wished: each one met raises the score
    musts: tuple[str, ...] = ()  # cannot do without: an offer without it is not listed
    basis: tuple[str, ...] = ()


def wishes_from_assessment(case: SupportCase) -> Wishes:
    """The wishes the latest assessment suggests: the outing level gives conditions, the stages
    give kinds of offer. Hours, fears and travel range are not items of the assessment: the
    basis says so and the worker fills them in."""
    assessment = case.assessments.order_by("-number").first()
    if assessment is None:
        return Wishes(basis=(NO_ASSESSMENT, NOT_IN_ASSESSMENT))
    basis = []
    level = assessment.outing_level
    musts = OUTING_MUSTS.get(level, ())
    needs = OUTING_NEEDS.get(level, ())
    if musts or needs:
        taken = "、".join(condition_label(name) for name in (*musts, *needs))
        basis.append(f"外出の状況（{assessment.get_outing_level_display()}）から: {taken}")
    kinds = list(GUIDELINE_KINDS.get(assessment.guideline_stage, ()))
    kinds += [k for k in RELIANCE_KINDS.get(assessment.self_reliance_stage, ()) if k not in kinds]
    if kinds:
        stages = [
            str(label)
            for label in (
                assessment.get_guideline_stage_display(),
                assessment.get_self_reliance_stage_display(),
            )
            if label
        ]
        named = "、".join(str(OfferKind(kind).label) for kind in kinds)
        basis.append(f"支援の段階（{'・'.join(stages)}）から: {named}")
    basis.append(f"アセスメント 第{assessment.number}版より。{NOT_IN_ASSESSMENT}")
    return Wishes(kinds=tuple(kinds), needs=needs, musts=musts, basis=tuple(basis))


# ---- offers for a person ----


@dataclass
class OfferMatch:
    offer: Offer
    score: int
    places_free: int
    fits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def taken_places_sql() -> Coalesce:
    """The places of an offer held by active placements, as a correlated subquery."""
    # COUNT(*) without a GROUP BY: one row, 0 when none (a grouped count would need a sort).
    taken = (
        Placement.objects.filter(offer=OuterRef("pk"), stage__in=ACTIVE_STAGES)
        .order_by()
        .annotate(n=Func(Value(1), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(taken, output_field=IntegerField()), Value(0))


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def weekday_q(codes: Iterable[str]) -> Q:
    """Offers that take people on any of the weekdays (the JSON list read as text, so that the
    same lookup runs on SQLite and PostgreSQL)."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(weekdays_text__contains=f'"{code}"')
    return condition


def hours_q(max_hours: Decimal) -> Q:
    return Q(min_hours_per_week__isnull=True) | Q(min_hours_per_week__lte=max_hours)


def matching_offers(user: User, wishes: Wishes) -> QuerySet[Offer]:
    """The filtered, scored and ordered offers (the SQL of `rank_offers`, before the LIMIT)."""
    offers = (
        visible_offers(user)
        # The list shows the host's name, kind and address: its owner and long texts stay out of
        # the rows the database sorts.
        .select_related(None)
        .select_related("host")
        .defer("tasks", "host_asks", "host__needs_and_worries", "host__notes")
        .filter(is_active=True, host__status=HostStatus.ACCEPTING)
        .annotate(free_places=F("places") - taken_places_sql())
        .filter(free_places__gt=0)
    )
    if wishes.kinds:
        offers = offers.filter(kind__in=wishes.kinds)
    if wishes.area:
        offers = offers.filter(
            Q(host__address__icontains=wishes.area)
            | Q(host__nearest_station__icontains=wishes.area)
        )
    if wishes.musts:
        offers = offers.filter(**dict.fromkeys(wishes.musts, True))
    score: Any = Value(0)
    for name in wishes.needs:
        score += _points(Q(**{name: True}), NEED_POINTS)
    if wishes.weekdays:
        offers = offers.annotate(weekdays_text=Cast("weekdays", TextField()))
        score += _points(weekday_q(wishes.weekdays), WEEKDAY_POINTS)
    if wishes.max_hours_per_week is not None:
        score += _points(hours_q(wishes.max_hours_per_week), HOURS_POINTS)
    return offers.annotate(score=score).order_by("-score", "host__name", "title", "pk")


def rank_offers(user: User, wishes: Wishes, limit: int = 10) -> list[OfferMatch]:
    """The `limit` best offers for `wishes`, each with why it fits and what it lacks."""
    rows = list(matching_offers(user, wishes)[:limit])
    return [explain_offer(offer, wishes) for offer in rows]


def explain_offer(offer: Any, wishes: Wishes) -> OfferMatch:
    """The reasons of one listed offer (the row already holds everything read here)."""
    match = OfferMatch(offer=offer, score=int(offer.score), places_free=int(offer.free_places))
    if wishes.kinds:
        match.fits.append(f"希望する種類（{offer.get_kind_display()}）")
    if wishes.area:
        match.fits.append(f"地域「{wishes.area}」にある")
    for name in wishes.musts:
        match.fits.append(f"{condition_label(name)}（欠かせない条件）")
    for name in wishes.needs:
        if getattr(offer, name):
            match.fits.append(condition_label(name))
        else:
            match.misses.append(f"「{condition_label(name)}」に当てはまらない")
    _explain_weekdays(match, offer, wishes.weekdays)
    _explain_hours(match, offer, wishes.max_hours_per_week)
    match.fits.append(f"空きが{match.places_free}人分ある")
    return match


def _explain_weekdays(match: OfferMatch, offer: Any, wished: tuple[str, ...]) -> None:
    if not wished:
        return
    offered = list(offer.weekdays or [])
    common = [code for code in wished if code in offered]
    if common:
        match.fits.append(f"希望の曜日（{weekday_labels(common)}）に受け入れている")
    elif offered:
        match.misses.append(
            f"希望の曜日（{weekday_labels(wished)}）には受け入れていない"
            f"（受け入れる曜日: {weekday_labels(offered)}）"
        )
    else:
        match.misses.append("受け入れる曜日が決まっていない（受入先と相談）")


def _explain_hours(match: OfferMatch, offer: Any, max_hours: Decimal | None) -> None:
    if max_hours is None:
        return
    minimum = offer.min_hours_per_week
    if minimum is None:
        match.fits.append("週あたりの最低時間の決まりがない")
    elif minimum <= max_hours:
        match.fits.append(
            f"週{hours_text(minimum)}時間から（希望は週{hours_text(max_hours)}時間まで）"
        )
    else:
        match.misses.append(
            f"週{hours_text(minimum)}時間以上が必要で、希望（週{hours_text(max_hours)}時間まで）"
            "より長い"
        )


# ---- persons for an offer ----


@dataclass
class PersonFit:
    case: SupportCase
    score: int
    fits: list[str] = field(default_factory=list)


def _level_points(offer: Offer) -> dict[str, int]:
    """The score each outing level earns at this offer; a level whose musts it lacks is absent."""
    points: dict[str, int] = {}
    for level in OutingLevel.values:
        if not all(getattr(offer, name) for name in OUTING_MUSTS.get(level, ())):
            continue
        met = [name for name in OUTING_NEEDS.get(level, ()) if getattr(offer, name)]
        points[level] = NEED_POINTS * len(met)
    return points


def _stage_condition(table: dict[str, tuple[str, ...]], kind: str) -> list[str]:
    return [stage for stage, kinds in table.items() if kind in kinds]


def persons_for_offer(
    user: User, offer: Offer, limit: int = 20, *, request: HttpRequest | None = None
) -> list[PersonFit]:
    """The open cases of `user`'s scope whose latest assessment fits `offer`, best first.

    Scoped by the access kernel (`visible_to`: the worker's own organisation), bounded by
    `limit`, and audited as one read naming the cases shown. A case already placed at the offer
    is left out. The score is computed in SQL from the latest assessment's outing level and
    stages; only the rows shown are explained."""
    latest = Assessment.objects.filter(case=OuterRef("pk")).order_by("-number")
    level_points = _level_points(offer)
    guideline_stages = _stage_condition(GUIDELINE_KINDS, offer.kind)
    reliance_stages = _stage_condition(RELIANCE_KINDS, offer.kind)
    placed = Placement.objects.filter(offer=offer, stage__in=ACTIVE_STAGES).values("case_id")
    score = (
        Case(
            *(When(outing=level, then=Value(points)) for level, points in level_points.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
        + _points(Q(guideline__in=guideline_stages), NEED_POINTS)
        + _points(Q(reliance__in=reliance_stages), NEED_POINTS)
    )
    cases = (
        visible_to(user, SupportCase.objects.select_related("person"))
        .exclude(stage=Stage.CLOSED)
        .exclude(pk__in=placed)
        .annotate(
            has_assessment=Exists(latest),
            outing=Subquery(latest.values("outing_level")[:1]),
            guideline=Subquery(latest.values("guideline_stage")[:1]),
            reliance=Subquery(latest.values("self_reliance_stage")[:1]),
        )
        .filter(has_assessment=True)
        .filter(Q(outing__in=[*level_points, ""]))
        .annotate(score=score)
        .filter(score__gt=0)
        .order_by("-score", "-opened_on", "pk")
    )
    rows = list(cases[:limit])
    audit_list_read(user, rows, model=SupportCase, request=request, fields=PERSON_FIT_FIELDS)
    return [explain_person(case, offer) for case in rows]


def explain_person(case: Any, offer: Offer) -> PersonFit:
    fit = PersonFit(case=case, score=int(case.score))
    if case.outing:
        level = str(OutingLevel(case.outing).label)
        for name in OUTING_MUSTS.get(case.outing, ()):
            fit.fits.append(f"外出の状況（{level}）: {condition_label(name)}")
        met = [name for name in OUTING_NEEDS.get(case.outing, ()) if getattr(offer, name)]
        if met:
            names = "、".join(condition_label(name) for name in met)
            fit.fits.append(f"外出の状況（{level}）に合う: {names}")
    if case.guideline and offer.kind in GUIDELINE_KINDS.get(case.guideline, ()):
        stage = GuidelineStage(case.guideline).label
        fit.fits.append(f"支援の段階（{stage}）に合う種類（{offer.get_kind_display()}）")
    if case.reliance and offer.kind in RELIANCE_KINDS.get(case.reliance, ()):
        stage = SelfRelianceStage(case.reliance).label
        fit.fits.append(f"自立の段階（{stage}）に合う種類（{offer.get_kind_display()}）")
    return fit
