"""One-off tokens on create forms, so that a form posted twice (a double click, a browser
resending after a slow reply, "Back" and "Submit" again) makes one record, not two.

A form that creates a record carries a hidden token made when the form is shown
(IdempotentForm, or `new_token()` for a hand-written form). The view makes the record through
`create_once(token, Model, make)`: the first post records the token with what it made; a
repeat of the same token returns that record instead of calling `make` again, and the view
sends the person to the record's page as if nothing had gone wrong.

Race-safe on PostgreSQL and SQLite: the token is inserted first, under a unique constraint,
in the same transaction as the record. Two identical posts at once cannot both insert it:
the second waits for the first to commit (PostgreSQL) or for the database lock (SQLite),
then finds the token taken and returns the first post's record. If making the record fails
(a DomainError), the token goes with the rolled-back transaction and the corrected form can
be posted again with the same token.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any

from django import forms
from django.db import IntegrityError, models, transaction

TOKEN_FIELD = "form_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

def new_token() -> str:
    """A token for a form about to be shown."""
    return secrets.token_urlsafe(24)


def token_from(data: Any, name: str = TOKEN_FIELD) -> str:
    """The token a post carries, or "" when it has none or not a well-formed one."""
    value = str((data or {}).get(name, "") or "")
    return value if _TOKEN.match(value) else ""


def token_field() -> forms.CharField:
    """The hidden field itself, for a form that builds its own fields."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class IdempotentForm(forms.Form):
    """A form with a hidden one-off token (render it with the form's hidden fields)."""

    form_token = token_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault(TOKEN_FIELD, new_token())
        super().__init__(*args, **kwargs)

    @property
    def token(self) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else self.data
        return token_from(data)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def create_once[M: models.Model](token: str, model: type[M], make: Callable[[], M]
                                 ) -> tuple[M, bool]:
    """The record this token already made, or a new one from `make()`; and whether it is new.

    Without a token (an old page, a test, the command line) `make()` is simply called.
    """
    from auditloop.common.models import UsedFormToken

    if not _TOKEN.match(token or ""):
        return make(), True
    with transaction.atomic():
        try:
            with transaction.atomic():
                used = UsedFormToken.objects.create(token=token, model=_label(model))
        except IntegrityError:
            used = UsedFormToken.objects.get(token=token)
            found = (model._default_manager.filter(pk=used.object_id).first()
                     if used.model == _label(model) and used.object_id else None)
            if found is not None:
                return found, False
            # The record it made has since been deleted, or the token came from another
            # form: make a new one, as a first post would.
            return make(), True
        made = make()
        used.object_id = str(made.pk)
        used.save(update_fields=["object_id"])
        return made, True


def forget_tokens_before(cutoff: dt.datetime) -> int:
    """Delete used tokens older than the cutoff (a form is not resent after days); returns
    how many. For the retention job."""
    from auditloop.common.models import UsedFormToken

    deleted, _ = UsedFormToken.objects.filter(at__lt=cutoff).delete()
    return deleted
