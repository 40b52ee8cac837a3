from django import forms

from cacheadmin.web.forms import ANY_CURSOR, TextForm, any_cursor


class LookupForm(TextForm):
    """An object of a cache model by id, or the objects under an attribute value."""

    id = forms.CharField(required=False, max_length=256, label="Object id")
    attribute = forms.CharField(required=False, max_length=100)
    value = forms.CharField(required=False, max_length=256, strip=False)
    # SSCAN's of an attribute value's ids, or the model's buckets' (a cluster's, when
    # a model without a directory is scanned for)
    cursor = forms.RegexField(required=False, regex=ANY_CURSOR)

    def clean_cursor(self):
        return any_cursor(self.cleaned_data["cursor"])
