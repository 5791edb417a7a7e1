"""Menu, help, language, cancel — and the catch-all that answers anything else kindly."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGE_NAMES, LOCALES, Translator
from bot.notices import RenderContext, Rendered, notices
from bot.replies import Replier
from bot.routing import Routes
from core.phone import looks_like_phone
from handlers.ui import BTN_HELP, BTN_LANGUAGE, Button, kind_of, menu_keyboard, private
from services import identities, matcher, onboarding
from services.households import office_hotline
from services.identities import Person


class LangCb(CallbackData, prefix="lang"):
    locale: str


router = Routes()
fallback_router = Routes()


# --- renderers -------------------------------------------------------------------------------


@notices.register("menu.main")
def render_menu(ctx: RenderContext) -> Rendered:
    _ = ctx._
    kind = ctx.data.get("kind", "guest")
    if kind == "guest":
        return render_welcome(ctx)
    text = _("What would you like to do? Tap a button below.")
    return Rendered(text, menu_keyboard(_, kind))


@notices.register("welcome")
def render_welcome(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = _(
        "Welcome to Linli, your community service assistant.\n\n"
        "First, let's find your home. You can:\n"
        "1. Type the 8-character binding code from the property office (e.g. ABCD2345), or\n"
        "2. Tap “Share my phone number” below. If the office has your number, you are in at once; "
        "otherwise a steward will confirm you."
    )
    return Rendered(text, menu_keyboard(_, "guest"))


@notices.register("help")
def render_help(ctx: RenderContext) -> Rendered:
    _ = ctx._
    kind = ctx.data.get("kind", "guest")
    lines = [_("How to use Linli:")]
    if kind == "guest":
        lines += [
            _("• Join your home: type your binding code, or tap “Share my phone number”."),
            _("• No code? Ask the property office or the home's owner for one."),
        ]
    else:
        lines += [_("• /menu shows the main menu with big buttons.")]
    if kind in ("staff", "manager"):
        lines += [
            _(
                "• “Open tickets” (/queue) lists the open tickets in your area, oldest first, "
                "overdue ones marked ⏰; open one to see its history and act on it."
            ),
            _(
                "• New tickets arrive in your staff group with buttons for the next step. Reply "
                "to an alert with /say and your words to write to the resident; other replies "
                "stay internal notes."
            ),
            _(
                "• On a job card or a ticket's detail, “💬 Message the resident” writes to them "
                "from here; replying to their words here does too."
            ),
            _(
                "• /code and a home's address (for example /code 1栋1单元101) gives that home a "
                "new binding code, when the old one reached the wrong person."
            ),
        ]
    if kind == "manager":
        lines.append(
            _(
                "• “New announcement” (/broadcast) sends a notice to the whole estate, some "
                "buildings or the staff, now or later."
            )
        )
    if kind == "resident":
        lines += [
            _(
                "• “My home” shows your address and who else is in your household. "
                "Owners can invite family with the home's code, give the home a new code, and "
                "remove members."
            ),
            _(
                "• “Repair” reports something broken, “Complaint” tells the property office "
                "about a problem, and “My tickets” shows how each one is going. You can also "
                "just type the problem, or send a photo or a voice note."
            ),
            _(
                "• Something to add about a report, or a question for whoever handles it? "
                "Reply to any message about it, or just type it: I will ask whether to pass it "
                "on."
            ),
            _(
                "• “Notices” shows the property office's announcements, newest first; tap "
                "“Got it” where they ask you to confirm."
            ),
        ]
    lines += [
        _("• /lang changes the language (简体中文, 繁體中文, English)."),
        _("• /cancel stops what you are doing and goes back to the menu."),
    ]
    if kind in ("resident", "guest"):  # staff are the office
        lines.append(_("• Stuck? Call the property office; a person will help you."))
    hotline = ctx.data.get("hotline")
    if hotline:
        lines.append(_("Property office hotline: {hotline}", hotline=hotline))
    if kind == "guest" and ctx.data.get("user_id"):  # what `linli staff add` asks for
        lines += [
            "",
            _(
                "Property staff: give this number to your administrator to get your staff "
                "account: {user_id}",
                user_id=ctx.data["user_id"],
            ),
        ]
    return Rendered("\n".join(lines), menu_keyboard(_, kind))


@notices.register("lang.choose")
def render_lang_choose(ctx: RenderContext) -> Rendered:
    buttons = [
        [InlineKeyboardButton(text=LANGUAGE_NAMES[loc], callback_data=LangCb(locale=loc).pack())]
        for loc in LOCALES
    ]
    return Rendered(ctx._("Choose your language:"), InlineKeyboardMarkup(inline_keyboard=buttons))


@notices.register("lang.set")
def render_lang_set(ctx: RenderContext) -> Rendered:
    _ = ctx._
    text = (
        _("Language set to English.")
        if _.locale == "en"
        else _("Language set to {language}.", language=LANGUAGE_NAMES[_.locale])
    )
    return Rendered(text, menu_keyboard(_, ctx.data.get("kind", "guest")))


@notices.register("lang.chosen")
def render_lang_chosen(ctx: RenderContext) -> Rendered:
    """The language picker after a choice: no buttons left to press."""
    return Rendered(LANGUAGE_NAMES.get(ctx.data.get("locale", ""), "") + " ✓")


@notices.register("common.cancelled")
def render_cancelled(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("Cancelled. Back to the menu."), menu_keyboard(_, ctx.data.get("kind", "guest"))
    )


@notices.register("common.unknown_command")
def render_unknown_command(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("I don't know that command. Try /menu, /help or /lang."),
        menu_keyboard(_, ctx.data.get("kind", "guest")),
    )


@notices.register("common.unsupported")
def render_unsupported(ctx: RenderContext) -> Rendered:
    _ = ctx._
    return Rendered(
        _("I can't use that kind of message here. Please use the buttons below, or type /help."),
        menu_keyboard(_, ctx.data.get("kind", "guest")),
    )


@notices.register("common.not_understood")
def render_not_understood(ctx: RenderContext) -> Rendered:
    _ = ctx._
    kind = ctx.data.get("kind", "guest")
    if kind == "guest":
        text = _(
            "I didn't understand that. To join your home, type your 8-character binding code "
            "or tap “Share my phone number”."
        )
    else:
        text = _("I didn't understand that. Please use the buttons below, or type /help.")
    if ctx.data.get("hotline"):
        text += "\n" + _(
            "For anything else, call the property office: {hotline}", hotline=ctx.data["hotline"]
        )
    return Rendered(text, menu_keyboard(_, kind))


@notices.register("common.small_talk")
def render_small_talk(ctx: RenderContext) -> Rendered:
    _ = ctx._
    kind, talk = ctx.data.get("kind", "guest"), ctx.data.get("talk")
    if talk == matcher.GREETING and kind == "guest":
        text = _(
            "Hello! I am Linli, the property office's assistant. First, let us find your home: "
            "type your 8-character binding code, or tap “Share my phone number”."
        )
    elif talk == matcher.GREETING and kind == "resident":
        text = _(
            "Hello! I am Linli, the property office's assistant. Tap a button below, or just "
            "type your problem, for example “the kitchen tap is leaking”."
        )
    elif talk == matcher.GREETING:
        text = _("Hello! Tap a button below to get started.")
    elif talk == matcher.THANKS:
        text = _("You're welcome! I'm here whenever you need me.")
    else:
        text = _("All right. I'm here whenever you need me.")
    return Rendered(text, menu_keyboard(_, kind))


@notices.register("common.too_fast")
def render_too_fast(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._("You are sending messages very quickly. Please wait a minute, then try again.")
    )


@notices.register("common.error")
def render_common_error(ctx: RenderContext) -> Rendered:
    return Rendered(
        ctx._("Sorry, something went wrong on our side. Please try again in a moment.")
    )


# --- handlers ------------------------------------------------------------------------------


@router.message(private, Command("menu"))
async def show_menu(message: Message, person: Person, reply: Replier) -> None:
    """Show the main menu. (A half-finished form was left before this: handlers/leaving.py.)"""
    await reply("menu.main", kind=kind_of(person))


@router.message(private, Command("help"))
@router.message(private, Button(BTN_HELP))
async def show_help(
    message: Message, person: Person, reply: Replier, session: AsyncSession
) -> None:
    """Explain, in plain words, what this person can do."""
    hotline = await office_hotline(session, person)
    user = message.from_user
    await reply("help", kind=kind_of(person), hotline=hotline, user_id=user.id if user else None)


@router.message(private, Command("lang"))
@router.message(private, Button(BTN_LANGUAGE))
async def choose_language(message: Message, reply: Replier) -> None:
    """Offer the languages."""
    await reply("lang.choose")


@router.callback_query(LangCb.filter())
async def set_language(
    query: CallbackQuery,
    callback_data: LangCb,
    person: Person,
    reply: Replier,
    session: AsyncSession,
    _: Translator,
) -> None:
    """Remember the chosen language and answer in it."""
    if callback_data.locale not in LOCALES:
        await query.answer(_("This button is no longer valid."))
        return
    await identities.set_language(session, identity=person.identity, language=callback_data.locale)
    if isinstance(query.message, Message):
        await reply.edit(query.message.message_id, "lang.chosen", locale=callback_data.locale)
    await reply("lang.set", kind=kind_of(person))
    await query.answer()


@router.message(private, Command("cancel"))
@router.message(private, StateFilter("*"), F.text.casefold().in_({"cancel", "取消"}))
async def cancel(message: Message, person: Person, reply: Replier, state: FSMContext) -> None:
    """Stop any form and go back to the menu."""
    await state.clear()
    await reply("common.cancelled", kind=kind_of(person))


# --- the catch-all, registered last --------------------------------------------------------


@fallback_router.message(private, F.text.startswith("/"))
async def unknown_command(message: Message, person: Person, reply: Replier) -> None:
    """A command we don't have."""
    await reply("common.unknown_command", kind=kind_of(person))


@fallback_router.message(private, F.text)
async def not_understood(
    message: Message, person: Person, reply: Replier, session: AsyncSession
) -> None:
    """Text that no feature took (never echoed back: it may be long or private). Often a
    question the bot cannot answer (a parcel, opening hours): the office's number goes with it."""
    kind = kind_of(person)
    hint = await _joining_hint(message.text or "", session) if kind == "guest" else None
    if hint is not None:
        await reply(hint[0], **hint[1])
        return
    talk = matcher.small_talk(message.text or "")
    if talk is None and matcher.yes_or_no(message.text or "") is not None:
        talk = matcher.OK  # "不用了" with no question waiting: all right, nothing to do
    if talk is not None:  # "你好", "谢谢": answered in kind, not "not understood"
        await reply("common.small_talk", kind=kind, talk=talk)
        return
    # Staff know the office's number (and are the office): only residents and guests get it.
    hotline = await office_hotline(session, person) if kind in ("resident", "guest") else None
    await reply("common.not_understood", kind=kind, hotline=hotline)


async def _joining_hint(text: str, session: AsyncSession) -> tuple[str, dict[str, Any]] | None:
    """What someone not yet joined meant by typing their phone number or their address: how
    to join with it, rather than "not understood"."""
    if looks_like_phone(text):  # only a shared contact is known to be the sender's own
        return "binding.phone_typed", {}
    home = await onboarding.home_from_words(session, text)
    if home is not None:
        return "binding.address_typed", identities.address_of(home)
    return None


@fallback_router.message(private)
async def unsupported(message: Message, person: Person, reply: Replier) -> None:
    """Stickers, files, locations… that no feature takes."""
    await reply("common.unsupported", kind=kind_of(person))


@fallback_router.callback_query()
async def stale_button(query: CallbackQuery, _: Translator) -> None:
    """A button from an old message, or forged data: answer, change nothing."""
    await query.answer(_("This button is no longer valid."), show_alert=False)
