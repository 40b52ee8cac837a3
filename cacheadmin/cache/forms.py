from django import forms

from cacheadmin.core.forms import CURSOR, TextForm, scan_cursor


class LookupForm(TextForm):
    """An object of a cache model by id, or the objects under an attribute value."""

    id = forms.CharField(required=False, max_length=256, label="Object id")
    attribute = forms.CharField(required=False, max_length=100)
    value = forms.CharField(required=False, max_length=256, strip=False)
    cursor = forms.RegexField(required=False, regex=CURSOR)

    def clean_cursor(self) -> int:
        return scan_cursor(self.cleaned_data["cursor"])
