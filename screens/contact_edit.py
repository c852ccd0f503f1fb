"""Editing how to reach a customer, and flagging an address that returns mail.

Both dialogs save in a thread worker through `store.contacts`, which refuses a save when someone
else changed the customer since the dialog opened. The contact form then shows the conflict view
with both versions; whatever the operator chooses, what they typed stays in the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static

from screens.back_key import EscapeLeaves, back_key
from screens.conflict import ConflictScreen
from screens.context import ConsoleContext, context_of
from screens.i18n import N_, _, said, said_status
from screens.outage import database_guard
from screens.widgets.footer import Footer
from screens.widgets.typed import TypedInput
from store.contact_labels import LABELS
from store.contacts import (
    AddressInput,
    ContactFields,
    ContactSnapshot,
    InvalidContact,
    StaleVersion,
    load_contact,
    mark_undeliverable,
    reapply,
    save_contact,
)
from store.models import AddressKind, Channel
from store.profile import AddressRow
from store.sanitize import clean_line

_TEXT_FIELDS = (
    "given_name", "family_name", "birth_date", "mobile", "home_phone", "work_phone", "email", "email_2",
    "preferred_language",
)  # fmt: skip
_CONSENTS = ("consent_voice", "consent_email", "consent_sms", "consent_post")
_ADDRESS = {"line1": N_("Street and number"), "line2": N_("Address line 2"), "postcode": N_("Postcode"),
            "city": N_("City"), "country": N_("Country (IT, FR…)")}  # fmt: skip


@dataclass
class ContactLoaded(Message):
    snapshot: ContactSnapshot | None


@dataclass
class SaveOutcome(Message):
    """What a save attempt came to: saved, refused with `errors`, or beaten by `theirs`."""

    version: int | None = None
    errors: dict[str, str] | None = None
    theirs: ContactSnapshot | None = None


class ContactEditScreen(EscapeLeaves, ModalScreen[bool]):
    """The contact form of one customer; dismisses True once saved."""

    CSS_PATH = "contact_edit.tcss"
    LEAVE_ACTION = "cancel"
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="contact.save"),
        back_key("cancel", N_("Cancel"), "contact.cancel"),
    ]

    _kept: ClassVar[dict[tuple[str, str, int], tuple[ContactFields, ContactFields]]] = {}
    """Unsaved forms closed by navigation (a ring's pop): (opened on, as typed), by database,
    operator and customer, so another seat's or another database's typing never comes back here."""

    def __init__(self, customer_id: int, *, today: date | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.today = today or date.today()
        self.base: ContactSnapshot | None = None
        """The version the form was opened on (or last reconciled with)."""
        self._typed: ContactFields | None = None
        self._settled = False
        """Saved or cancelled by the operator: nothing to keep."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Static(_("Loading…"), id="form-status", markup=False)
            for name in _TEXT_FIELDS:
                yield TypedInput(placeholder=_(LABELS[name]), id=name)
                yield Static("", id=f"err-{name}", classes="error", markup=False)
            yield Select([(c.value, c.value) for c in Channel], allow_blank=False, id="preferred_channel")
            for name in _CONSENTS:
                yield Checkbox(_(LABELS[name]), id=name)
            yield Static(_("New address (leave empty to keep the current ones)"), classes="section")
            yield Select([(k.value, k.value) for k in AddressKind], allow_blank=False, id="addr-kind")
            for name, label in _ADDRESS.items():
                yield TypedInput(placeholder=_(label), id=f"addr-{name}")
                yield Static("", id=f"err-addr-{name}", classes="error", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for name in _TEXT_FIELDS:
            self.query_one(f"#{name}", Input).border_title = _(LABELS[name])
        for name, label in _ADDRESS.items():
            self.query_one(f"#addr-{name}", Input).border_title = _(label)
        self._load()

    @work(thread=True, exclusive=True, group="contact-load")
    def _load(self) -> None:
        with database_guard(self, _("loading the contact details")):
            context = context_of(self.app)
            self.post_message(
                ContactLoaded(load_contact(context.engine, self.customer_id, role=context.role))
            )

    @on(ContactLoaded)
    def _loaded(self, message: ContactLoaded) -> None:
        if message.snapshot is None:
            self._status(_("This customer no longer exists."), error=True)
            return
        self.base = message.snapshot
        kept = self._kept.pop(self._kept_key(), None)
        self.set_form(reapply(kept[0], kept[1], message.snapshot.fields) if kept else message.snapshot.fields)
        birth_date = self.query_one("#birth_date", Input)
        birth_date.disabled = message.snapshot.birth_date_hidden
        if message.snapshot.birth_date_hidden:
            birth_date.placeholder = _("Stored; only supervisors see it")
        self._status(
            _("Your unsaved changes from before the call came in are back: check and ctrl+s.")
            if kept
            else _("Editing version {version}. ctrl+s saves.").format(version=message.snapshot.version)
        )
        fields = message.snapshot.fields
        nameless = not (fields.given_name or fields.family_name)
        self.query_one("#given_name" if nameless else "#mobile", Input).focus()

    def set_form(self, values: ContactFields) -> None:
        """Fill the form; stored text is cleaned first, as an Input draws its value raw."""
        for name in _TEXT_FIELDS:
            self.query_one(f"#{name}", Input).value = clean_line(getattr(values, name))
        self.query_one("#preferred_channel", Select).value = values.preferred_channel
        for name in _CONSENTS:
            self.query_one(f"#{name}", Checkbox).value = getattr(values, name)

    def form(self) -> ContactFields:
        """What is in the form now, as typed."""
        values: dict[str, object] = {name: self.query_one(f"#{name}", Input).value for name in _TEXT_FIELDS}
        values.update({name: self.query_one(f"#{name}", Checkbox).value for name in _CONSENTS})
        values["preferred_channel"] = str(self.query_one("#preferred_channel", Select).value)
        return ContactFields(**values)  # type: ignore[arg-type]

    def new_address(self) -> AddressInput | None:
        """The new address typed at the bottom of the form, or None when it is left empty."""
        values = {name: self.query_one(f"#addr-{name}", Input).value for name in _ADDRESS}
        if not any(value.strip() for value in values.values()):
            return None
        return AddressInput(kind=str(self.query_one("#addr-kind", Select).value), **values)

    def _kept_key(self) -> tuple[str, str, int]:
        context = context_of(self.app)
        return (context.engine.url.render_as_string(hide_password=True), context.operator, self.customer_id)

    def action_save(self) -> None:
        if self.base is None:
            return
        self._status(_("Saving…"))
        self._save(self.form(), self.new_address(), self.base.version)

    def action_cancel(self) -> None:
        self._settled = True
        self.dismiss(False)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _typing(self) -> None:
        if self.base is not None:
            self._typed = self.form()

    def on_unmount(self) -> None:
        """Closed by navigation with unsaved changes: keep them for the next time this form opens."""
        if self._settled or self.base is None or self._typed is None or self._typed == self.base.fields:
            return
        self._kept[self._kept_key()] = (self.base.fields, self._typed)
        fields = self.base.fields
        who = clean_line(f"{fields.given_name} {fields.family_name}") or _("this customer")
        text = _("Unsaved contact changes for {who} kept: press e on their profile to finish.")
        self.app.notify(text.format(who=who), timeout=8, markup=False)

    @work(thread=True, exclusive=True, group="contact-save")
    def _save(self, draft: ContactFields, address: AddressInput | None, expected_version: int) -> None:
        context = context_of(self.app)
        with database_guard(self, _("saving the contact details (nothing was written; ctrl+s retries)")):
            self._save_contact(context, draft, address, expected_version)

    def _save_contact(
        self,
        context: ConsoleContext,
        draft: ContactFields,
        address: AddressInput | None,
        expected_version: int,
    ) -> None:
        try:
            version = save_contact(
                context.engine, self.customer_id, expected_version, draft, operator=context.operator,
                region=context.default_region, new_address=address, today=self.today, role=context.role,
            )  # fmt: skip
        except InvalidContact as invalid:
            self.post_message(SaveOutcome(errors=invalid.errors))
        except StaleVersion:
            self.post_message(
                SaveOutcome(theirs=load_contact(context.engine, self.customer_id, role=context.role))
            )
        else:
            self.post_message(SaveOutcome(version=version))

    @on(SaveOutcome)
    def _saved(self, outcome: SaveOutcome) -> None:
        errors = outcome.errors or {}
        for name in _TEXT_FIELDS:
            self.query_one(f"#err-{name}", Static).update(Text(said(errors.get(name, ""))))
        for name in _ADDRESS:
            self.query_one(f"#err-addr-{name}", Static).update(Text(said(errors.get(name, ""))))
        if outcome.version is not None:
            self.notify(
                _("Contact details saved (version {version}).").format(version=outcome.version), timeout=3
            )
            self._settled = True
            self.dismiss(True)
        elif outcome.errors:
            wrong = ", ".join(_(LABELS.get(name) or _ADDRESS.get(name, name)) for name in outcome.errors)
            self._status(_("Not saved: check {fields}.").format(fields=wrong), error=True)
        elif outcome.theirs is not None and self.base is not None:
            self._status(_("Someone else saved this customer first: nothing was written."), error=True)
            mine, base, theirs = self.form(), self.base, outcome.theirs
            self.app.push_screen(
                ConflictScreen(base.fields, mine, theirs.fields, theirs.version),
                lambda choice: self._resolve(choice, base.fields, mine, theirs),
            )

    def _resolve(
        self, choice: str | None, base: ContactFields, mine: ContactFields, theirs: ContactSnapshot
    ) -> None:
        """ "reapply": my changes on top of theirs, saved; "review": the same, left in the form."""
        if choice is None:
            return
        self.base = theirs
        self.set_form(reapply(base, mine, theirs.fields))
        if choice == "reapply":
            self.action_save()
        else:
            self._status(
                _("Your changes are on top of version {version}: check and ctrl+s.").format(
                    version=theirs.version
                )
            )

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#form-status", Static)
        status.update(text)
        status.set_class(error, "error")


@dataclass
class MarkOutcome(Message):
    version: int | None = None
    error: str = ""
    current_version: int | None = None


class UndeliverableScreen(EscapeLeaves, ModalScreen[bool]):
    """Flag one address as returning mail, with the date and the reason."""

    CSS_PATH = "contact_edit.tcss"
    LEAVE_ACTION = "cancel"
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="undeliverable.save"),
        back_key("cancel", N_("Cancel"), "undeliverable.cancel"),
    ]

    def __init__(self, customer_id: int, version: int, address: AddressRow, *, today: date) -> None:
        super().__init__()
        self.customer_id, self.version, self.address, self.today = customer_id, version, address, today

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            returned = _("Returned mail for {kind}: {address}")
            kind, address = said_status(self.address.kind), clean_line(self.address.text)
            yield Static(Text(returned.format(kind=kind, address=address)))
            yield TypedInput(f"{self.today:%Y-%m-%d}", placeholder="YYYY-MM-DD", id="on")
            yield TypedInput(placeholder=_("Reason (moved, unknown, refused…)"), id="reason")
            yield Static("", id="form-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#on", Input).border_title = _("Returned on")
        self.query_one("#reason", Input).border_title = _("Reason")
        self.query_one("#reason", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        try:
            on_date = date.fromisoformat(self.query_one("#on", Input).value.strip())
        except ValueError:
            self.query_one("#form-status", Static).update(_("Returned on: write the date as YYYY-MM-DD."))
            return
        self._save(on_date, self.query_one("#reason", Input).value)

    @work(thread=True, exclusive=True, group="undeliverable-save")
    def _save(self, on_date: date, reason: str) -> None:
        context = context_of(self.app)
        with database_guard(self, _("marking the address (nothing was written; ctrl+s retries)")):
            self._mark(context, on_date, reason)

    def _mark(self, context: ConsoleContext, on_date: date, reason: str) -> None:
        try:
            version = mark_undeliverable(
                context.engine, self.customer_id, self.version, self.address.id,
                on=on_date, reason=reason, operator=context.operator,
            )  # fmt: skip
        except InvalidContact as invalid:
            self.post_message(MarkOutcome(error=" ".join(said(why) for why in invalid.errors.values())))
        except StaleVersion as stale:
            self.post_message(MarkOutcome(current_version=stale.current_version))
        else:
            self.post_message(MarkOutcome(version=version))

    @on(MarkOutcome)
    def _marked(self, outcome: MarkOutcome) -> None:
        status = self.query_one("#form-status", Static)
        if outcome.version is not None:
            self.dismiss(True)
        elif outcome.current_version is not None:
            self.version = outcome.current_version
            status.update(_("Someone else saved this customer meanwhile; ctrl+s again saves on top of it."))
        else:
            status.update(Text(outcome.error))
