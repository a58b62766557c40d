"""Form widgets that several apps share."""

from __future__ import annotations

from django import forms

# Marks a <select> that static/js/app.js turns into the GOV.UK accessible autocomplete.
AUTOCOMPLETE = "app-autocomplete"


def staff_select() -> forms.Select:
    """A drop-down of people. With JavaScript, a long list becomes an autocomplete (type part
    of a name, choose it); without, it stays the drop-down, which is what the form posts."""
    return forms.Select(attrs={"data-module": AUTOCOMPLETE})
