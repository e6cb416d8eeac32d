from django.contrib import messages
from django.shortcuts import redirect, render

from .preferences import PreferencesForm


def email_settings(request):
    """The emails a person may choose to receive. Only about the signed-in person themselves."""
    form = PreferencesForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email settings have been saved.")
        return redirect("accounts:email_settings")
    return render(request, "accounts/email_settings.html", {"form": form})
