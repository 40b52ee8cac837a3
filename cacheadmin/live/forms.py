from django import forms

from cacheadmin.live.pubsub import FLAGS
from cacheadmin.web.forms import TextForm


class KeyspaceEventsForm(TextForm):
    flags = forms.CharField(required=False, max_length=20, strip=True)

    def clean_flags(self) -> str:
        flags = self.cleaned_data["flags"]
        if not FLAGS.match(flags):
            raise forms.ValidationError(
                "Use the letters of notify-keyspace-events: K E g $ l s h z x e t m n d A."
            )
        if flags and not ("K" in flags or "E" in flags):
            raise forms.ValidationError(
                "Add K (keyspace) or E (key events): without, none is sent."
            )
        if flags and not flags.strip("KE"):
            raise forms.ValidationError("Add the kinds of events, for example x (expired).")
        return flags
