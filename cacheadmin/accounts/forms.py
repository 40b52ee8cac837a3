from django import forms

from cacheadmin.web.forms import TextForm


class TokenForm(TextForm):
    name = forms.CharField(max_length=100, label="What is it for?")
