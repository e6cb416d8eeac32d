"""Governance documents: the list, one document with its versions and adoptions, adding documents
and versions, the review date, a member council's adoption, and the files themselves."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from parishes.forms import form_data
from parishes.models import Council

from .. import documents
from ..access import get_cluster_for_user
from ..documents import DocumentError
from ..forms import date_field
from ..models import DocumentVersion, GovernanceDocument
from ..uploads import ACCEPT, UploadError, check_upload, file_response, size_label

DOCUMENTS_PER_PAGE = 25
TEXT_MAX_LENGTH = 100_000


class VersionForm(forms.Form):
    file = forms.FileField(
        label="Upload the document",
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read",
        },
    )
    text = forms.CharField(
        label="Or write the text of the document",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Leave a blank line between paragraphs",
        error_messages={"max_length": f"The text must be {TEXT_MAX_LENGTH:,} characters or fewer"},
    )
    notes = forms.CharField(
        label="What changed",
        required=False,
        max_length=300,
        error_messages={"max_length": "What changed must be 300 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = size_label(settings.CLUSTER_UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = (
            "Upload a file or write the text below. "
            f"A PDF, Word (DOCX) or OpenDocument (ODT) file, up to {limit}"
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                check_upload(upload)
            except UploadError as error:
                raise forms.ValidationError(str(error)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        if "file" not in self.errors and "text" not in self.errors:
            has_file, has_text = bool(cleaned.get("file")), bool(cleaned.get("text", "").strip())
            if has_file and has_text:
                self.add_error("text", "Either upload a file or write the text, not both")
            elif not has_file and not has_text:
                self.add_error("file", "Upload a file or write the text of the document")
        return cleaned


class DocumentForm(VersionForm):
    kind = forms.ChoiceField(
        label="Kind of document",
        choices=GovernanceDocument.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the kind of document",
            "invalid_choice": "Select the kind of document",
        },
    )
    title = forms.CharField(
        max_length=200,
        help_text="For example, Memorandum of understanding 2026",
        error_messages={
            "required": "Enter a title",
            "max_length": "The title must be 200 characters or fewer",
        },
    )
    review_on = date_field(
        "Review date",
        required=False,
        help_text="When the members should look at it again, usually a year after it is adopted",
    )
    notes = None
    field_order = ["kind", "title", "file", "text", "review_on"]


class ReviewForm(forms.Form):
    review_on = date_field(
        "Review date",
        help_text="When the members should look at the document again",
        error_messages={"required": "Enter the review date"},
    )


class AdoptForm(forms.Form):
    council = forms.ModelChoiceField(
        queryset=Council.objects.none(),
        label="Which council resolved to adopt it?",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the council",
            "invalid_choice": "Select one of your member councils",
        },
    )
    minute_ref = forms.CharField(
        label="Minute reference",
        max_length=60,
        help_text="As in the council's minutes, for example 23/145",
        error_messages={
            "required": "Enter the minute reference",
            "max_length": "The minute reference must be 60 characters or fewer",
        },
    )
    resolved_on = date_field(
        "Date of the resolution", error_messages={"required": "Enter the date of the resolution"}
    )

    def __init__(self, *args, councils: list[Council], **kwargs):
        super().__init__(*args, **kwargs)
        self.only_council = councils[0] if len(councils) == 1 else None
        if self.only_council:
            # Nothing to choose: the page names the one council the person acts for.
            del self.fields["council"]
        else:
            self.fields["council"].queryset = Council.objects.filter(
                pk__in=[c.pk for c in councils]
            ).order_by("name", "gss_code")
            self.fields["council"].label_from_instance = lambda c: c.name

    def clean_resolved_on(self):
        resolved_on = self.cleaned_data["resolved_on"]
        if resolved_on > timezone.localdate():
            raise forms.ValidationError("The date of the resolution must be today or in the past")
        return resolved_on

    def clean(self):
        cleaned = super().clean()
        if self.only_council:
            cleaned["council"] = self.only_council
        return cleaned


def _refused(form: forms.Form, error: DocumentError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _document(cluster, document_id) -> GovernanceDocument:
    return get_object_or_404(cluster.documents, pk=document_id)


def _version(cluster, document_id, version_id) -> DocumentVersion:
    versions = DocumentVersion.objects.filter(document__cluster=cluster, document_id=document_id)
    return get_object_or_404(versions.select_related("document"), pk=version_id)


def document_list(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    page = Paginator(documents.cluster_documents(cluster), DOCUMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    member_ids = permissions.member_council_ids
    counts = documents.adoption_counts([d.current_version_id for d in page], member_ids)
    for document in page:
        document.adopted = counts.get(document.current_version_id, 0)
    context = {"page_obj": page, "member_count": len(member_ids), "today": timezone.localdate()}
    return render(
        request, "clusters/documents/list.html", {"cluster": cluster, "may": permissions.flags(), **context}
    )


def document_detail(request, slug, document_id):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    document = _document(cluster, document_id)
    status = documents.document_status(document, documents.member_councils(cluster))
    return render(
        request,
        "clusters/documents/detail.html",
        {"cluster": cluster, "may": permissions.flags(), "status": status, "today": timezone.localdate()},
    )


def document_new(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="draft_for_cluster")
    form = DocumentForm(*form_data(request, files=True))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = documents.create_document(
                acting_user=request.user,
                cluster=cluster,
                kind=data["kind"],
                title=data["title"],
                review_on=data["review_on"],
                upload=data["file"],
                text=data["text"],
            )
        except DocumentError as error:
            _refused(form, error)
        else:
            messages.success(request, f"“{document.title}” has been added.")
            return redirect("clusters:document", cluster.slug, document.pk)
    back = reverse("clusters:documents", args=[cluster.slug])
    return render(request, "clusters/documents/new.html", {"cluster": cluster, "form": form, "back": back})


def version_new(request, slug, document_id):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="draft_for_cluster")
    document = _document(cluster, document_id)
    form = VersionForm(*form_data(request, files=True))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = documents.add_version(
                acting_user=request.user,
                document=document,
                upload=data["file"],
                text=data["text"],
                notes=data["notes"],
            )
        except DocumentError as error:
            _refused(form, error)
        else:
            messages.success(
                request, f"Version {version.number} has been added. Earlier versions are superseded."
            )
            return redirect("clusters:document", cluster.slug, document.pk)
    back = reverse("clusters:document", args=[cluster.slug, document.pk])
    return render(
        request,
        "clusters/documents/version_new.html",
        {"cluster": cluster, "document": document, "form": form, "back": back},
    )


def document_review(request, slug, document_id):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="draft_for_cluster")
    document = _document(cluster, document_id)
    form = ReviewForm(*form_data(request), initial={"review_on": document.review_on})
    if request.method == "POST" and form.is_valid():
        try:
            documents.set_review_date(
                acting_user=request.user, document=document, review_on=form.cleaned_data["review_on"]
            )
        except DocumentError as error:
            _refused(form, error)
        else:
            messages.success(request, "The review date has been saved.")
            return redirect("clusters:document", cluster.slug, document.pk)
    back = reverse("clusters:document", args=[cluster.slug, document.pk])
    return render(
        request,
        "clusters/documents/review.html",
        {"cluster": cluster, "document": document, "form": form, "back": back},
    )


def version_file(request, slug, document_id, version_id):
    cluster, _ = get_cluster_for_user(request.user, slug)
    version = _version(cluster, document_id, version_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not version.file:
        raise Http404
    try:
        return file_response(version.file, kind=version.file_type, file_name=version.file_name)
    except FileNotFoundError:
        raise Http404 from None


def version_adopt(request, slug, document_id, version_id):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    version = _version(cluster, document_id, version_id)
    if not permissions.acts_for_a_member():
        raise PermissionDenied
    acting = list(permissions.acting_councils())
    adopted = list(version.adoptions.filter(council__in=acting).select_related("council"))
    remaining = [council for council in acting if council.pk not in {a.council_id for a in adopted}]
    current = documents.is_current(version)
    form = AdoptForm(*form_data(request), councils=remaining) if remaining and current else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        council = data["council"]
        try:
            documents.record_adoption(
                acting_user=request.user,
                version=version,
                council=council,
                minute_ref=data["minute_ref"],
                resolved_on=data["resolved_on"],
            )
        except DocumentError as error:
            _refused(form, error)
        else:
            messages.success(request, f"{council}'s adoption of version {version.number} has been recorded.")
            return redirect("clusters:document", cluster.slug, version.document_id)
    back = reverse("clusters:document", args=[cluster.slug, version.document_id])
    return render(
        request,
        "clusters/documents/adopt.html",
        {
            "cluster": cluster,
            "version": version,
            "current": current,
            "form": form,
            "adopted": adopted,
            "back": back,
        },
    )
