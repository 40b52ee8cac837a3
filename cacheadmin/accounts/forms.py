from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What is it for?")
