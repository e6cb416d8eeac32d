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

from .. import documents
from ..access import get_cluster_for_user
from ..council_rows import CouncilRow, CouncilRows, council_names
from ..documents import DocumentError
from ..forms import ResolutionFields, date_field, in_order
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


class AdoptForm(CouncilRow, ResolutionFields):
    """A member council's row on the adoption page: its resolution adopting the version."""

    adopted = forms.BooleanField(
        label="Adopted",
        help_text="The council resolved to adopt this version",
        error_messages={"required": "Select Adopted if the council resolved to adopt this version"},
    )
    field_order = ["adopted", "minute_ref", "resolved_on"]

    def __init__(self, *args, version: DocumentVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_resolved_on(self):
        return in_order(documents.check_adoption_date, self.version, super().clean_resolved_on())


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
    """The adoptions of every member council the person acts for, in one submission."""
    cluster, permissions = get_cluster_for_user(request.user, slug)
    version = _version(cluster, document_id, version_id)
    if not permissions.acts_for_a_member():
        raise PermissionDenied
    acting = list(permissions.acting_councils())
    adopted = list(version.adoptions.filter(council__in=acting).select_related("council"))
    remaining = [council for council in acting if council.pk not in {a.council_id for a in adopted}]
    current = documents.is_current(version)
    rows = CouncilRows(AdoptForm, remaining, *form_data(request), version=version) if current else None
    if rows and request.method == "POST" and rows.is_valid():
        filled = rows.filled()
        adoptions = [
            documents.CouncilAdoption(
                council=row.council,
                minute_ref=row.cleaned_data["minute_ref"],
                resolved_on=row.cleaned_data["resolved_on"],
            )
            for row in filled
        ]
        try:
            documents.record_adoptions(acting_user=request.user, version=version, adoptions=adoptions)
        except documents.AdoptionRefused as error:
            rows.refuse(error.council, str(error), error.field)
        except DocumentError as error:
            messages.error(request, str(error))
            return redirect("clusters:document", cluster.slug, version.document_id)
        else:
            messages.success(
                request, f"Recorded the adoption of version {version.number} by {council_names(filled)}."
            )
            return redirect("clusters:document", cluster.slug, version.document_id)
    back = reverse("clusters:document", args=[cluster.slug, version.document_id])
    return render(
        request,
        "clusters/documents/adopt.html",
        {
            "cluster": cluster,
            "version": version,
            "current": current,
            "rows": rows,
            "adopted": adopted,
            "back": back,
        },
    )
