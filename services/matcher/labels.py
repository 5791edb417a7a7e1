"""The matcher's labels: a flow (kind) and its category, joined as "repair:plumbing",
"complaint:noise" or "none", and the labelled rows it learns from.

Labelling rules (how `tests/data/ticket_phrases.csv` is labelled; keep new rows consistent)
  R1  repair = something physical is broken, blocked, leaking or needs maintenance work, at
      home or in a shared area. Frustration ("又坏了", "好几天了") does not make it a
      complaint: the remedy is a repair, so the flow is the repair flow.
  R2  The category is the object, not the symptom: 空调漏水 → appliance, 水管漏水 →
      plumbing, 电梯里的灯不亮 → elevator, 洗衣机响 → appliance, 热水器 → appliance (unless
      there is a gas smell → gas). Pipes, drains, toilets, taps and a sewer smell from a drain
      → plumbing, anywhere.
  R3  Shared areas: stairwell lights and sound/motion-activated switches → electrical (the
      technicians' job); pipes → plumbing; lifts → elevator; everything else in a shared area
      (unit door, access control/intercom, handrails, road surface, street lights, manholes,
      benches, playground and fitness equipment, stairwell windows, mailboxes) → public_area;
      trees, lawns, hedges, flower beds, sprinklers, wasp nests in trees → greening.
  R4  Home doors, locks, windows, screens, sliding-door rollers → doors_windows.
  R5  repair:other = heating, walls/plaster/tiles/ceilings, roof and exterior-wall seepage
      from rain, burglar bars, drying racks, floors; and a bare "我要报修"/"I want to report
      a repair" with no object.
  R6  A bare outage report ("停水了", "家里没水了", "家里没电了 邻居有电") is a repair
      (plumbing / electrical): the first step is to find the fault. It is complaint:utility_cut
      only when the resident objects to how cuts happen: no notice (不通知, 不打招呼,
      without notice), repeatedly (又, 老是, 三天两头, every week) or for too long. A question
      about a planned cut ("明天停电吗") is none.
  R7  complaint = a grievance about the property company's service or about other people's
      behaviour. fee_value: the fee (any charge the company levies) is not worth the service,
      is too high or rose. missing_service: staff absent or unresponsive — nobody cleans,
      steward or phone unreachable, a filed repair nobody came for, complaints unanswered.
      environment: the state of the place — garbage, clutter in stairwells, smells, vermin,
      flyers. security: guards, patrols, strangers, thefts, break-ins, CCTV, things thrown
      from windows. noise: renovation, square dancing, neighbours, barking dogs. parking:
      vehicles (cars, e-bikes) where they should not be, occupied spaces, blocked fire lanes.
      pets: stray animals, dog mess, unleashed or biting dogs. other: accounts not published,
      rude staff, illegal construction, owners'-committee matters, a bare "我要投诉".
  R8  When the object is named and broken, R1 wins over "没人管" (花坛没人浇水 → greening);
      when the message is about staff not acting on something already reported, it is
      missing_service ("报修三天了还没人来", "reported a leak a week ago and nobody came").
  R9  none = greetings, thanks, acknowledgements, questions about bills and how to pay
      (billing, not a ticket: "缴费怎么交", "停车费怎么交"), events, volunteering, lost and
      found, gas delivery, account settings, appointment small talk ("师傅你好 我在家等你"),
      and anything unrelated.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.tickets.categories import COMPLAINT_CATEGORIES, REPAIR_CATEGORIES

KINDS = ("repair", "complaint", "none")
NONE_LABEL = "none"


@dataclass(frozen=True, slots=True)
class Match:
    """The matcher's answer: a flow to offer (or "none") and the category to pre-fill."""

    kind: str  # "repair" | "complaint" | "none"
    category: str | None  # None when kind is "none"
    confidence: float  # P(kind) in 0‥1; for "none", 1 − P(best other kind)
    urgent_hint: bool = False  # gas smell, flood, sparks/smoke, someone trapped in a lift

    @property
    def is_problem(self) -> bool:
        """True when a repair or complaint flow should be offered."""
        return self.kind != NONE_LABEL


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled phrase: kind "repair"/"complaint" with a category, or kind "none"."""

    text: str
    kind: str
    category: str | None = None
    lang: str = ""

    @property
    def label(self) -> str:
        return label_of(self.kind, self.category)


def label_of(kind: str, category: str | None) -> str:
    """The joint label the model predicts: "repair:plumbing", "complaint:noise", "none"."""
    if kind == NONE_LABEL:
        return NONE_LABEL
    allowed = REPAIR_CATEGORIES if kind == "repair" else COMPLAINT_CATEGORIES
    if kind not in KINDS or category not in allowed:
        raise ValueError(f"unknown kind/category {kind!r}/{category!r}")
    return f"{kind}:{category}"


def split_label(label: str) -> tuple[str, str | None]:
    """Inverse of `label_of`."""
    if label == NONE_LABEL:
        return NONE_LABEL, None
    kind, _, category = label.partition(":")
    return kind, category
