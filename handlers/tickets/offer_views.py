"""What a resident is offered for words, a photo or a voice note sent on their own (the
offers in handlers/tickets/offers.py): its buttons and how it reads."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.notices import RenderContext, Rendered, notices
from handlers.tickets import labels
from handlers.ui import address_text, menu_keyboard


class OfferAction(enum.StrEnum):
    repair = "r"
    complaint = "c"
    add = "a"  # the same problem as a ticket the home has open: the words go to it
    no = "n"


class OfferCb(CallbackData, prefix="rto"):
    action: OfferAction


@notices.register("ticket_offer.ask")
def render_offer(ctx: RenderContext) -> Rendered:
    _ = ctx._
    data = ctx.data
    kind, category = data.get("kind") or "", data.get("category")
    photos, voice = int(data.get("photos") or 0), int(data.get("voice") or 0)
    same = data.get("same")
    if data.get("from") == "text" and same:
        question = _(
            "It sounds like {topic}. Your home's {number} ({status}) is about that too: is "
            "this the same problem?",
            topic=labels.topic(_, kind, category),
            number=same["number"],
            status=labels.status_name(_, same["status"]),
        )
    elif data.get("from") == "text":
        question = _(
            "It sounds like {topic}. Shall I report it to the property office for you?",
            topic=labels.topic(_, kind, category),
        )
    elif same:  # a photo or voice note while the home has a ticket open
        question = (
            _(
                "Is this voice note about {number} ({status}), still open for your home? Or "
                "would you like to report a new problem with it?",
                number=same["number"],
                status=labels.status_name(_, same["status"]),
            )
            if voice and not photos
            else _(
                "Is this photo about {number} ({status}), still open for your home? Or would "
                "you like to report a new problem with it?",
                number=same["number"],
                status=labels.status_name(_, same["status"]),
            )
        )
    elif voice and not photos:
        question = _("Would you like to report a problem with this voice note?")
    else:
        question = _("Would you like to report a problem with this photo?")
    chosen = data.get("chosen")
    if chosen:
        if chosen == OfferAction.add:
            answer = _("Added to {number}", number=same["number"] if same else "")
        else:
            answer = _("No, thanks") if chosen == OfferAction.no else _("Yes, report it")
        return Rendered(f"{question}\n\n✓ {answer}")
    lines = [question]
    if data.get("urgent_hint"):
        lines += labels.safety_lines(_, category)
    if data.get("from") == "text" and same:
        new = OfferAction.complaint if kind == "complaint" else OfferAction.repair
        rows = [
            [
                _offer_button(
                    _("💬 The same: add it to {number}", number=same["number"]), OfferAction.add
                )
            ],
            [_offer_button(_("🆕 A new problem: report it"), new)],
        ]
    elif data.get("from") == "text":
        yes = OfferAction.complaint if kind == "complaint" else OfferAction.repair
        rows = [[_offer_button(_("✅ Yes, report it"), yes)]]
    else:
        rows = (
            [
                [
                    _offer_button(
                        _("💬 About {number}: add it there", number=same["number"]),
                        OfferAction.add,
                    )
                ]
            ]
            if same
            else []
        )
        rows += [
            [_offer_button(_("🔧 Yes, report a repair"), OfferAction.repair)],
            [_offer_button(_("📣 It is a complaint"), OfferAction.complaint)],
        ]
    rows.append([_offer_button(_("✗ No, thanks"), OfferAction.no)])
    return Rendered("\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@notices.register("ticket_offer.join_first")
def render_join_first(ctx: RenderContext) -> Rendered:
    """A problem typed by someone not yet linked to a home: how to join, and in an emergency
    what to do at once (that cannot wait for a binding)."""
    _ = ctx._
    data = ctx.data
    topic = labels.topic(_, data.get("kind") or "", data.get("category"))
    if data.get("pending"):  # asked to join already: nothing to do but wait (or call)
        first = _(
            "It sounds like {topic}. Your request to join {address} is waiting for a steward "
            "to confirm; once it is, you can report it here. If it cannot wait, please call "
            "the property office.",
            topic=topic,
            address=address_text(_, data["pending"]),
        )
    else:
        first = _(
            "It sounds like {topic}. To report it here, first join your home: type your "
            "8-character binding code or tap “Share my phone number”. No code? Ask the "
            "property office or the home's owner.",
            topic=topic,
        )
    lines = [first]
    if data.get("urgent_hint"):
        lines += labels.safety_lines(_, data.get("category"))
    return Rendered("\n\n".join(lines), menu_keyboard(_, "guest"))


def _offer_button(text: str, action: OfferAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=OfferCb(action=action).pack())


@notices.register("ticket_offer.added")
def render_offer_added(ctx: RenderContext) -> Rendered:
    _ = ctx._
    if ctx.data.get("full"):
        return Rendered(
            _("That is as many photos as one report can take; this one was not added.")
        )
    return Rendered(_("📎 Added. Tap “Yes” above to report it."))


@notices.register("ticket_offer.pick")
def render_offer_pick(ctx: RenderContext) -> Rendered:
    """A typed yes or no to "is this the same problem?", which it does not answer."""
    return Rendered(
        ctx._(
            "Please tap a button above: add it to {number}, or report a new problem.",
            number=ctx.data["number"],
        )
    )


@notices.register("ticket_offer.declined")
def render_offer_declined(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("All right, nothing was reported. Tap a button below whenever you need something."),
        menu_keyboard(_, ctx.data.get("kind", "resident")),
    )
