"""Forms for working an action: progress, sign-off, comments."""

from django import forms

from auditloop.actions.models import Action


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Action.Status.RED, Action.Status.RED.label),
                 (Action.Status.AMBER, Action.Status.AMBER.label)],
        widget=forms.RadioSelect, label="Progress",
    )
    note = forms.CharField(widget=forms.Textarea, required=False, label="What has happened")


class SubmitForm(forms.Form):
    evidence = forms.CharField(
        widget=forms.Textarea, label="What was done, and where is the evidence?",
        help_text="For example: the supervision note of 3 May records the plan review.",
    )


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("sign_off", "Sign off as done"), ("refuse", "Not done yet")],
        widget=forms.RadioSelect, label="Is the action done?",
    )
    note = forms.CharField(widget=forms.Textarea, required=False,
                           label="Comments", help_text="Required if it is not done yet: "
                           "say what still needs to happen.")


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, label="Add a comment")
