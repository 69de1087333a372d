"""Forms of the intake page: the dispute, and its parties as a formset.

The forms only parse what was typed (types, lengths, choices offered to this user); the rules of
intake (a sub-category, the court of a court-entrusted case, the applicant, personal data formats)
are ``cases.services.intake.register_case``'s, whose ``InvalidInput`` the view puts at the fields.
"""

import json
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ...access import scope_of
from ...models import (
    Case,
    Category,
    Centre,
    Channel,
    DocumentType,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Role,
)
from ...queries.categories import categories_for
from ...queries.centres import entrusting_courts, intake_centres
from ...services.intake import PartyData, build_party
from .categories import category_choices

# A formset row's fields and the management form use this prefix: ``parties-0-name``.
PARTIES_PREFIX = "parties"
MAX_PARTIES = 50


def _model_field(model: type[models.Model], name: str, **kwargs: Any) -> Any:
    """The form field a model field makes, so labels and lengths come from the model."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.formfield(**kwargs)


def _choices(form: forms.Form, name: str) -> "forms.ModelChoiceField[Any]":
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def court_only(user: User) -> bool:
    """Whether the user registers court-entrusted cases only (a court liaison and nothing else)."""
    scope = scope_of(user)
    return not scope.is_admin and not scope.centres(Role.INTAKE, Role.DIRECTOR)


def last_channel(user: User) -> str | None:
    """The channel of the last case the user registered (one query), or None for a first case.

    The intake form starts on it: a hotline operator registers hotline calls one after another.
    There is no hotline-operator role (DESIGN §2's roles are per centre, not per channel), so the
    user's own last case is the only sign of it.
    """
    return (
        Case.objects.filter(created_by=user)
        .order_by("-registered_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )


class NamedChoiceField(forms.ModelChoiceField):
    """A centre or court shown by its name in the user's language."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class IntakeForm(forms.Form):
    """The dispute: where it is registered, how it came in, what it is about."""

    centre = NamedChoiceField(queryset=Centre.objects.none(), label=_("Centre"))
    channel = _model_field(Case, "channel", initial=Channel.WALK_IN)
    # Only a help to pick the sub-category (HTMX reloads the sub-category options); not stored.
    parent = forms.ModelChoiceField(
        queryset=Category.objects.none(), required=False, label=_("Category")
    )
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("Sub-category"))
    summary = _model_field(Case, "summary")
    facts = _model_field(Case, "facts", widget=forms.Textarea(attrs={"rows": 4}))
    amount_in_dispute = _model_field(Case, "amount_in_dispute", min_value=0)
    location = _model_field(Case, "location")
    # Radio groups rather than drop-downs where the choices are few: one Tab, arrows, no popup.
    risk_level = _model_field(
        Case, "risk_level", initial=RiskLevel.NORMAL, widget=forms.RadioSelect
    )
    entrusting_court = NamedChoiceField(
        queryset=Centre.objects.none(),
        required=False,
        label=capfirst(Case._meta.get_field("entrusting_court").verbose_name),
    )
    court_case_number = _model_field(Case, "court_case_number")
    entrusted_on = _model_field(
        Case, "entrusted_on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        centres = intake_centres(user)
        _choices(self, "centre").queryset = centres
        centre_list = list(centres[:2])
        if len(centre_list) == 1:
            self.fields["centre"].initial = centre_list[0].pk

        last = last_channel(user)
        if last:
            self.fields["channel"].initial = last

        courts = entrusting_courts(user)
        _choices(self, "entrusting_court").queryset = courts
        if court_only(user):
            # A court liaison registers what the court entrusts, and nothing else.
            channel = cast(forms.ChoiceField, self.fields["channel"])
            channel.choices = [(Channel.COURT_ENTRUSTED.value, Channel.COURT_ENTRUSTED.label)]
            channel.initial = Channel.COURT_ENTRUSTED
            court_list = list(courts[:2])
            if len(court_list) == 1:
                self.fields["entrusting_court"].initial = court_list[0].pk

        categories = list(categories_for(user).filter(active=True))
        by_pk = {str(c.pk): c for c in categories}
        tops = [c for c in categories if c.parent_id is None]
        parent = _choices(self, "parent")
        parent.queryset = Category.objects.filter(parent=None, active=True)
        parent.choices = [("", "---------")] + [(c.pk, c.name) for c in tops]
        category = _choices(self, "category")
        category.queryset = Category.objects.filter(active=True)
        category.choices = category_choices(categories, self._chosen_parent(by_pk))
        self.fields["parent"].widget.attrs.update(
            {
                "hx-get": reverse("web:intake_categories"),
                "hx-target": "#id_category",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )

    def _chosen_parent(self, by_pk: dict[str, Category]) -> Category | None:
        """The top-level category whose sub-categories the select shows after a post.

        Only when the chosen sub-category belongs to it: without JavaScript the top-level select
        does not narrow anything, and the user's choice must stay visible.
        """
        if not self.is_bound:
            return None
        parent = by_pk.get(str(self.data.get("parent", "")))
        chosen = by_pk.get(str(self.data.get("category", "")))
        if parent is None or parent.parent_id is not None:
            return None
        if chosen is None or chosen.pk == parent.pk or chosen.parent_id == parent.pk:
            return parent
        return None

    def case_data(self) -> dict[str, Any]:
        """The keyword arguments of ``register_case`` (after ``is_valid``)."""
        data = self.cleaned_data
        return {
            "centre": data["centre"],
            "channel": data["channel"],
            "category": data["category"],
            "summary": data["summary"],
            "facts": data["facts"],
            "amount_in_dispute": data["amount_in_dispute"],
            "location": data["location"],
            "risk_level": data["risk_level"] or RiskLevel.NORMAL,
            "entrusting_court": data["entrusting_court"],
            "court_case_number": data["court_case_number"],
            "entrusted_on": data["entrusted_on"],
        }


class PartyForm(forms.Form):
    """One party as typed at the window; ID number and phone are clear text only here.

    The fields are ``PartyData``'s; ``clean`` applies ``intake.build_party``'s rules (the ID
    number checked as a number of its document, a contradicting gender or date of birth, fields
    of the other kind of party), so every mistake of the row shows at its field in one round.
    """

    # Radio groups (few choices, a default each): a person, the applicant unless the row says
    # otherwise (the second row starts as the respondent, DEFAULT_PARTIES).
    kind = _model_field(Party, "kind", initial=PartyKind.PERSON, widget=forms.RadioSelect)
    role = _model_field(Party, "role", initial=PartyRole.APPLICANT, widget=forms.RadioSelect)
    name = _model_field(Party, "name")
    document_type = forms.ChoiceField(
        label=capfirst(Party._meta.get_field("document_type").verbose_name),
        choices=[
            ("", _("Resident ID card (a person), credit code (an organisation)")),
            *DocumentType.choices,
        ],
        required=False,
    )
    id_number = forms.CharField(
        label=capfirst(Party._meta.get_field("id_number_masked").verbose_name),
        max_length=40,
        required=False,
    )
    phone = forms.CharField(
        label=capfirst(Party._meta.get_field("phone_masked").verbose_name),
        max_length=24,
        required=False,
        help_text=_("A mobile (11 digits) or a fixed line with its area code: 027-85551234."),
    )
    gender = _model_field(Party, "gender")
    ethnicity = _model_field(Party, "ethnicity")
    birth_date = _model_field(
        Party, "birth_date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    legal_representative = _model_field(Party, "legal_representative")
    address = _model_field(Party, "address")
    agent = _model_field(Party, "agent")
    sms_consent = forms.BooleanField(
        label=_("Agrees to session reminders by SMS"),
        required=False,
        help_text=_(
            "Only with the party's consent: one text message the evening before each session."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # While an ID number or phone is typed, ask whether this person is already known. POST, so
        # the clear value travels in the body and not in URLs that end up in access logs.
        fields = [f"{self.prefix}-{name}" for name in HINT_FIELDS]
        hint = {
            "hx-post": reverse("web:intake_person_hint"),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": f"#{self.prefix}-hint",
            "hx-swap": "innerHTML",
            "hx-vals": json.dumps({"prefix": self.prefix}),
            "hx-params": ",".join(["prefix", *fields]),
            "hx-include": ", ".join(f"#id_{name}" for name in fields),
            "autocomplete": "off",
        }
        self.fields["id_number"].widget.attrs.update(hint)
        self.fields["phone"].widget.attrs.update({**hint, "inputmode": "tel"})

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        # The service checks all this too; checking here as well shows it together with the
        # other mistakes on the page instead of one round later.
        _party, errors = build_party(self.party_data())
        for name, messages in errors.items():
            if name not in self.errors:
                self.add_error(name if name in self.fields else None, [str(m) for m in messages])
        return cleaned

    def party_data(self) -> PartyData:
        data = self.cleaned_data
        return PartyData(
            name=data.get("name") or "",
            role=data.get("role") or PartyRole.APPLICANT,
            kind=data.get("kind") or PartyKind.PERSON,
            id_number=(data.get("id_number") or "").strip(),
            phone=(data.get("phone") or "").strip(),
            address=data.get("address") or "",
            agent=data.get("agent") or "",
            document_type=data.get("document_type") or "",
            gender=data.get("gender") or "",
            ethnicity=data.get("ethnicity") or "",
            birth_date=data.get("birth_date"),
            legal_representative=data.get("legal_representative") or "",
            sms_consent=bool(data.get("sms_consent")),
        )


# What the duplicate-person hint reads of a row.
HINT_FIELDS = ("document_type", "id_number", "phone")


# The two rows a new case starts with.
DEFAULT_PARTIES = [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]


class BasePartyFormSet(forms.BaseFormSet):
    """The parties. A row left as it was offered is skipped; a removed row (DELETE) is dropped.

    Every row is an "extra" row (none is an initial row), so an untouched row is not validated:
    an officer who knows only the applicant leaves the respondent row empty.
    """

    def initial_form_count(self) -> int:
        return 0

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.filled_forms():
            # The service's own words, shown above the rows.
            raise forms.ValidationError(_("A case needs at least one party."), code="no_parties")

    def filled_forms(self) -> list[PartyForm]:
        """The rows that make parties, in order (the service's ``parties.<index>``)."""
        return [
            form
            for form in self.forms
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        ]

    def party_data(self) -> list[PartyData]:
        return [form.party_data() for form in self.filled_forms()]


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    extra=len(DEFAULT_PARTIES),
    can_delete=True,
    max_num=MAX_PARTIES,
    validate_max=True,
)


def party_formset(data: Any = None) -> BasePartyFormSet:
    """The parties formset, bound to ``data`` when given; rows start as applicant, respondent."""
    return cast(
        BasePartyFormSet, PartyFormSet(data, prefix=PARTIES_PREFIX, initial=DEFAULT_PARTIES)
    )


def new_party_form(index: int) -> PartyForm:
    """A new blank row with the prefix of row ``index`` (what "Add a party" appends)."""
    formset = party_formset()
    form = PartyForm(
        prefix=formset.add_prefix(index),
        auto_id=formset.auto_id,
        empty_permitted=True,
        use_required_attribute=False,
    )
    formset.add_fields(form, index)
    return form


def typed_values(form: forms.Form) -> dict[str, Any]:
    """What was typed into a bound form's fields, as initial values for an unbound copy."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def with_extra_row(form: IntakeForm, formset: BasePartyFormSet) -> tuple[IntakeForm, Any]:
    """Unbound copies of a posted form and formset, plus one blank party row.

    "Add a party" without JavaScript posts the page; it comes back with what was typed and one
    more row, and without error messages for fields the user has not reached yet.
    """
    typed = [typed_values(row) for row in formset.forms]
    rows: Sequence[dict[str, Any]] = [
        {name: value for name, value in row.items() if name != "DELETE"}
        for row in typed
        if not row.get("DELETE")
    ][: MAX_PARTIES - 1]
    copy = PartyFormSet(prefix=PARTIES_PREFIX, initial=[*rows, {}])
    copy.extra = len(rows) + 1
    return IntakeForm(user=form.user, initial=typed_values(form)), copy
