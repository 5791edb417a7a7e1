"""The conversation's questions as managers read them, and the reminders when an answer won't do.

Renderers register with bot.notices when this module is imported (the package does so). The
preview and the progress line have their renderers next to their buttons' handlers, in
handlers/broadcast/preview.py and handlers/broadcast/progress.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import N_, Translator
from bot.notices import RenderContext, Rendered, notices
from handlers.broadcast.buttons import (
    AUDIENCE_NAMES,
    EXPIRY_DAYS,
    EXPIRY_NAMES,
    OWN_TEXT,
    WHEN_NAMES,
    AudienceCb,
    AudienceKind,
    BuildingCb,
    EstateCb,
    ExpiryCb,
    KindCb,
    Question,
    When,
    WhenCb,
    YesNoCb,
    button,
    column,
    markup,
    rows_of,
)
from handlers.notices import TEMPLATE_NAMES
from handlers.tickets.labels import date_name
from services.broadcasts import BODY_MAX, CAPTION_BODY_MAX, TEMPLATES, TITLE_MAX

FIELD_QUESTIONS: dict[str, tuple[str, str]] = {
    "date": (N_("Which day?"), ""),  # examples with dates are made from today: field_example
    "start": (N_("From what time?"), N_("For example: 09:00")),
    "end": (N_("Until what time?"), N_("For example: 15:00")),
    "area": (N_("Which area is affected?"), N_("For example: buildings 1 and 2")),
    "reason": (N_("What is the reason?"), N_("For example: pipe repairs")),
    "time": (N_("At what time?"), N_("For example: 10:00")),
    "place": (N_("Where will it be held?"), N_("For example: the central square")),
    "fee": (N_("Which fee?"), N_("For example: the property management fee")),
    "period": (N_("For which period?"), ""),
    "due_date": (N_("Pay by which day?"), ""),
    "how": (
        N_("How can people pay?"),
        N_("For example: at the property office, or by bank transfer"),
    ),
}
QUESTION_LABELS = {
    "estate": N_("Estate: {answer}"),
    "kind": N_("Announcement: {answer}"),
    "audience": N_("Send to: {answer}"),
    "urgent": N_("Urgent: {answer}"),
    "ack": N_("Ask for “Got it”: {answer}"),
    "when": N_("Send: {answer}"),
    "expiry": N_("Remove from the list: {answer}"),
    "edit": N_("Change: {answer}"),
}
PROBLEMS = {
    "need_text": N_("Please type it as text."),
    "need_caption": N_(
        "Please send the photo or file again, with the announcement text as its caption."
    ),
    "too_long": N_("Please keep it to at most {max} characters."),
    "time_format": N_("I could not read that time. Please type it like this: {example}"),
    "time_past": N_("That time has already passed. Please type a time in the future."),
    "use_buttons": N_("Please tap one of the buttons above, or send /cancel to stop."),
}


def _yes_no(question: Question, yes: str, no: str) -> InlineKeyboardMarkup:
    return column(
        button(yes, YesNoCb(question=question, yes=True)),
        button(no, YesNoCb(question=question, yes=False)),
    )


@notices.register("broadcast.not_allowed")
def render_not_allowed(ctx: RenderContext) -> Rendered:
    _ = ctx._
    if ctx.data.get("kind") in ("staff", "manager"):
        return Rendered(
            _("Sorry, only managers can send announcements. Please ask your manager to send it.")
        )
    return Rendered(
        _(
            "Announcements are sent by the property office. To read the ones you have received, "
            "send /notices."
        )
    )


@notices.register("broadcast.ask_estate")
def render_ask_estate(ctx: RenderContext) -> Rendered:
    buttons = [button(name, EstateCb(community_id=cid)) for cid, name in ctx.data["estates"]]
    return Rendered(ctx._("Which estate is this announcement for?"), column(*buttons))


@notices.register("broadcast.ask_kind")
def render_ask_kind(ctx: RenderContext) -> Rendered:
    _ = ctx._
    names = [button(_(TEMPLATE_NAMES[key]), KindCb(template=key)) for key in TEMPLATES]
    text = _(
        "📢 New announcement for {community}.\n\n"
        "Write your own, or start from a ready-made template?\n"
        "(Send /cancel at any time to stop.)",
        community=ctx.data.get("community") or "—",
    )
    return Rendered(text, markup([button(_(OWN_TEXT), KindCb())], *rows_of(names, 2)))


@notices.register("broadcast.ask_title")
def render_ask_title(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "Please type the title (at most {max} characters).\n"
            "For example: Lift maintenance in building 3",
            max=TITLE_MAX,
        )
    )


@notices.register("broadcast.ask_body")
def render_ask_body(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "Now type the text of the announcement (at most {max} characters).\n\n"
            "You can also send one photo or one file with the text as its caption "
            "(then at most {caption_max} characters).",
            max=BODY_MAX,
            caption_max=CAPTION_BODY_MAX,
        )
    )


def field_example(_: Translator, field: str, fixed: str, today: date) -> str:
    """A template field's example; a date in it is one still ahead (a week on; the end of
    next month to pay by; next year's fees from November on)."""
    if field == "date":
        return _("For example: {date}", date=date_name(_, today + timedelta(days=7)))
    if field == "due_date":
        following = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
        return _("For example: {date}", date=date_name(_, following - timedelta(days=1)))
    if field == "period":
        return _("For example: January to December {year}", year=today.year + (today.month >= 11))
    return _(fixed)


@notices.register("broadcast.ask_field")
def render_ask_field(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    question, fixed = FIELD_QUESTIONS[data["field"]]
    # (a question queued by an older version carries no `today`: the machine's date will do)
    today = date.fromisoformat(data["today"]) if data.get("today") else date.today()
    example = field_example(_, data["field"], fixed, today)
    template = data["template"]
    name = _(TEMPLATE_NAMES[template])
    text = _(
        "{template} ({index}/{count})\n\n{question}\n{example}",
        template=name,
        index=data["index"] + 1,
        count=len(TEMPLATES[template]),
        question=_(question),
        example=example,
    )
    return Rendered(text)


@notices.register("broadcast.ask_audience")
def render_ask_audience(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [button(_(AUDIENCE_NAMES[k]), AudienceCb(kind=k)) for k in AudienceKind]
    return Rendered(_("Who should receive it?"), column(*buttons))


@notices.register("broadcast.ask_buildings")
def render_ask_buildings(ctx: RenderContext) -> Rendered:
    _ = ctx._
    chosen = set(ctx.data.get("chosen") or [])
    buttons = [
        button(f"✓ {name}" if bid in chosen else name, BuildingCb(building_id=bid))
        for bid, name in ctx.data["buildings"]
    ]
    return Rendered(
        _("Tap the buildings to include (tap again to remove one), then tap “Done”."),
        markup(*rows_of(buttons, 3), [button(_("✅ Done"), BuildingCb())]),
    )


@notices.register("broadcast.ask_urgent")
def render_ask_urgent(ctx: RenderContext) -> Rendered:
    _ = ctx._
    lines = [
        _(
            "Is it urgent?\n\n"
            "Urgent announcements go out at once, even during quiet hours ({start}–{end}), "
            "and are pinned at the top of the chat.",
            start=ctx.data["quiet_start"],
            end=ctx.data["quiet_end"],
        )
    ]
    if ctx.data.get("suggest_urgent"):
        lines.append(_("For a water or power cut we suggest “urgent”."))
    return Rendered(
        "\n\n".join(lines),
        _yes_no(Question.urgent, _("🚨 Yes, urgent"), _("No, a normal announcement")),
    )


@notices.register("broadcast.ask_ack")
def render_ask_ack(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _(
            "Ask residents to tap “Got it” to confirm they have read it?\n"
            "You can then see, building by building, who has not."
        ),
        _yes_no(Question.ack, _("✓ Yes, ask for “Got it”"), _("No")),
    )


@notices.register("broadcast.ask_when")
def render_ask_when(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [button(_(WHEN_NAMES[w]), WhenCb(when=w)) for w in When]
    return Rendered(_("When should it be sent?"), column(*buttons))


@notices.register("broadcast.ask_time")
def render_ask_time(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._(
            "Please type the date and time (the estate's local time) like this: {example}",
            example=ctx.data["example"],
        )
    )


@notices.register("broadcast.ask_expiry")
def render_ask_expiry(ctx: RenderContext) -> Rendered:
    _ = ctx._
    buttons = [button(_(EXPIRY_NAMES[d]), ExpiryCb(days=d)) for d in EXPIRY_DAYS]
    return Rendered(
        _("When should it disappear from the residents' “Notices” list?"),
        markup(*rows_of(buttons, 2)),
    )


@notices.register("broadcast.bad_input")
def render_bad_input(ctx: RenderContext) -> Rendered:
    data = dict(ctx.data)
    problem = PROBLEMS[data.pop("problem")]
    return Rendered(ctx._(problem, **data))


@notices.register("broadcast.answered")
def render_answered(ctx: RenderContext) -> Rendered:
    """A question already answered, its buttons gone: “Send to: 1栋, 2栋”."""
    _ = ctx._
    data = ctx.data
    label, answer = QUESTION_LABELS[data["question"]], data.get("answer")
    shown = _(answer) if answer else str(data.get("raw") or "")
    return Rendered(_(label, answer=shown))
