from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from config import pdf_jobs

from . import dashboard_pdf, invitations, queries, register, services
from .access import dashboard_to_land_on, ending_loses_access, get_area_for_user, get_council_for_user
from .audit_display import history_page
from .forms import (
    CouncilProfileForm,
    CouncilSearchForm,
    NewPersonForm,
    PermissionsForm,
    RegisterUploadForm,
    TaxBaseForm,
    area_invite_form,
    council_invite_form,
    form_data,
)
from .hooks import consequences_of_ending
from .invitations import InvitationError
from .models import Council, CouncilRole, DashboardPdf, RegisterImport
from .panels import render_area_panels, render_council_panels, render_home_panels
from .roles import GRANTABLE_COUNCIL_PERMISSIONS
from .services import RoleError

COUNCILS_PER_PAGE = 50
EVENTS_PER_PAGE = 50


def home(request):
    # An officer or administrator of one area only comes for its dashboard: it is their home page.
    # Shown here rather than by a redirect, so that the home address (where signing in and setting up
    # two-factor land) stays a page; their home would hold nothing else.
    area_roles = queries.areas_of(request.user)
    if area := dashboard_to_land_on(request.user, area_roles):
        return area_dashboard(request, area.slug)
    return render(
        request,
        "parishes/home.html",
        {
            "councils": queries.councils_of(request.user),
            "area_roles": queries.count_area_councils(area_roles),
            "panels": render_home_panels(request),
        },
    )


# Councils


def council_detail(request, council_id):
    council, permissions = get_council_for_user(request.user, council_id)
    return render(
        request,
        "parishes/council_detail.html",
        {
            "council": council,
            "may": permissions.flags(),
            "sees_area": permissions.through_area("view_council"),
            "panels": render_council_panels(request, council, permissions),
            "district": council.district,
            "tax_bases": council.tax_bases.all()[:6],
            "roles": council.roles.filter(ended_on__isnull=True).aggregate(
                clerks=Count("pk", filter=Q(kind=CouncilRole.Kind.CLERK)), people=Count("user", distinct=True)
            ),
        },
    )


def council_edit(request, council_id):
    council, _ = get_council_for_user(request.user, council_id, perm="change_council")
    form = CouncilProfileForm(*form_data(request), instance=Council.objects.get(pk=council.pk))
    if request.method == "POST" and form.is_valid():
        services.update_council_profile(acting_user=request.user, council=council, changes=form.cleaned_data)
        messages.success(request, "The council's profile has been saved.")
        return redirect(council)
    return render(request, "parishes/council_edit.html", {"council": council, "form": form})


def council_tax_base(request, council_id):
    council, _ = get_council_for_user(request.user, council_id, perm="change_council")
    form = TaxBaseForm(*form_data(request))
    if request.method == "POST" and form.is_valid():
        tax_base = services.set_tax_base(acting_user=request.user, council=council, **form.cleaned_data)
        messages.success(request, f"The tax base for {tax_base.financial_year_label} has been saved.")
        return redirect(council)
    return render(request, "parishes/council_tax_base.html", {"council": council, "form": form})


def council_people(request, council_id):
    council, permissions = get_council_for_user(request.user, council_id, perm="manage_council_people")
    return render(
        request,
        "parishes/council_people.html",
        {
            "council": council,
            "may": permissions.flags(),
            "people": queries.council_people(council),
            "invitations": queries.pending_invitations(area=council.area, council=council),
            "permission_labels": GRANTABLE_COUNCIL_PERMISSIONS,
        },
    )


def council_invite(request, council_id):
    council, _ = get_council_for_user(request.user, council_id, perm="manage_council_people")
    form = council_invite_form(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(
                acting_user=request.user, area=council.area, council=council, **form.cleaned_data
            )
        except InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"An invitation has been emailed to {form.cleaned_data['email']}.")
            return redirect("parishes:council_people", council.pk)
    back = reverse("parishes:council_people", args=[council.pk])
    return render(request, "parishes/invite.html", {"place": council, "form": form, "back": back})


def council_role_end(request, council_id, role_id):
    council, permissions = get_council_for_user(request.user, council_id, perm="manage_council_people")
    role = get_object_or_404(council.roles.filter(ended_on__isnull=True).select_related("user"), pk=role_id)
    back = reverse("parishes:council_people", args=[council.pk])
    if request.method != "POST":
        context = {"place": council, "role": role, "back": back, "also_ends": consequences_of_ending(role)}
        context["loses_access"] = ending_loses_access(request.user, role)
        return render(request, "parishes/role_end.html", context)
    try:
        services.end_council_role(
            acting_user=request.user,
            role=role,
            may_end_last_clerk=permissions.through_area("manage_council_people"),
        )
    except RoleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{role.user} is no longer {role.get_kind_display().lower()}.")
    return redirect(back)


def council_person_permissions(request, council_id, user_id):
    council, _ = get_council_for_user(request.user, council_id, perm="manage_council_people")
    roles = council.roles.filter(user_id=user_id, ended_on__isnull=True).select_related("user")
    if not roles:
        raise Http404
    person = roles[0].user
    current = list(council.permission_grants.filter(user=person).values_list("codename", flat=True))
    form = PermissionsForm(*form_data(request), initial={"permissions": current})
    if request.method == "POST" and form.is_valid():
        services.set_council_permissions(
            acting_user=request.user,
            council=council,
            user=person,
            codenames=set(form.cleaned_data["permissions"]),
        )
        messages.success(request, f"{person}'s permissions have been saved.")
        return redirect("parishes:council_people", council.pk)
    return render(
        request,
        "parishes/council_person_permissions.html",
        {"council": council, "person": person, "roles": roles, "form": form},
    )


def council_invitation_withdraw(request, council_id, invitation_id):
    council, _ = get_council_for_user(request.user, council_id, perm="manage_council_people")
    invitation = get_object_or_404(council.invitations, pk=invitation_id)
    if request.method == "POST":
        _withdraw(request, invitation)
    return redirect("parishes:council_people", council.pk)


def council_history(request, council_id):
    council, _ = get_council_for_user(request.user, council_id, perm="view_council_audit")
    context = history_page(request, queries.council_history(council), per_page=EVENTS_PER_PAGE)
    return render(request, "parishes/council_history.html", {"council": council, **context})


# Areas


def area_detail(request, area_slug):
    area, permissions = get_area_for_user(request.user, area_slug)
    search = CouncilSearchForm(request.GET or None, districts=queries.area_districts(area))
    filters = search.cleaned_data if search.is_valid() else {}
    councils = queries.area_councils(
        area, search=filters.get("q", ""), kind=filters.get("kind", ""), district=filters.get("district", "")
    )
    page = Paginator(councils, COUNCILS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "parishes/area_detail.html",
        {"area": area, "may": permissions.flags(), "search": search, "page_obj": page},
    )


def area_dashboard(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug)
    return render(request, "parishes/area_dashboard.html", {"area": area, "panels": render_area_panels(area)})


def area_dashboard_pdf_request(request, area_slug):
    """Asks for the dashboard as a PDF (POST, the dashboard's button): a worker writes it."""
    area, _ = get_area_for_user(request.user, area_slug)
    if request.method != "POST":
        return redirect("parishes:area_dashboard", area.slug)
    pdf = dashboard_pdf.request_dashboard_pdf(acting_user=request.user, area=area)
    return redirect("parishes:area_dashboard_pdf", area.slug, pdf.pk)


def area_dashboard_pdf(request, area_slug, pdf_id):
    area, _ = get_area_for_user(request.user, area_slug)
    pdf = get_object_or_404(area.dashboard_pdfs.select_related("requested_by"), pk=pdf_id)
    return pdf_jobs.job_page(request, "parishes/dashboard_pdf.html", {"area": area, "pdf": pdf}, pdf)


def area_dashboard_pdf_download(request, area_slug, pdf_id):
    area, _ = get_area_for_user(request.user, area_slug)
    pdf = get_object_or_404(area.dashboard_pdfs, pk=pdf_id, status=DashboardPdf.Status.READY)
    return pdf_jobs.download(
        pdf, dashboard_pdf.dashboard_file_name(area, timezone.localtime(pdf.finished_at).date())
    )


def area_people(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    return render(
        request,
        "parishes/area_people.html",
        {
            "area": area,
            "roles": queries.area_people(area),
            "invitations": queries.pending_invitations(area=area),
        },
    )


def area_invite(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    form = area_invite_form(*form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invite(acting_user=request.user, area=area, **form.cleaned_data)
        except InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"An invitation has been emailed to {form.cleaned_data['email']}.")
            return redirect("parishes:area_people", area.slug)
    back = reverse("parishes:area_people", args=[area.slug])
    return render(request, "parishes/invite.html", {"place": area, "form": form, "back": back})


def area_role_end(request, area_slug, role_id):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    role = get_object_or_404(area.roles.filter(ended_on__isnull=True).select_related("user"), pk=role_id)
    back = reverse("parishes:area_people", args=[area.slug])
    if request.method != "POST":
        context = {"place": area, "role": role, "back": back}
        context["loses_access"] = ending_loses_access(request.user, role)
        return render(request, "parishes/role_end.html", context)
    try:
        services.end_area_role(acting_user=request.user, role=role)
    except RoleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{role.user} is no longer {role.get_kind_display().lower()}.")
    return redirect(back)


def area_invitation_withdraw(request, area_slug, invitation_id):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    invitation = get_object_or_404(area.invitations.filter(council__isnull=True), pk=invitation_id)
    if request.method == "POST":
        _withdraw(request, invitation)
    return redirect("parishes:area_people", area.slug)


def area_import(request, area_slug):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    form = RegisterUploadForm(*form_data(request, files=True))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = register.import_register(
            acting_user=request.user, area=area, file_name=upload.name, content=upload.read()
        )
        return redirect("parishes:area_import_result", area.slug, result.pk)
    recent = area.register_imports.select_related("uploaded_by")[:10]
    return render(request, "parishes/area_import.html", {"area": area, "form": form, "recent": recent})


def area_import_result(request, area_slug, import_id):
    area, _ = get_area_for_user(request.user, area_slug, perm="manage_area")
    result = get_object_or_404(area.register_imports.select_related("uploaded_by"), pk=import_id)
    return render(
        request,
        "parishes/area_import_result.html",
        {"area": area, "result": result, "imported": result.outcome == RegisterImport.Outcome.IMPORTED},
    )


# Invitations


@login_not_required
def invitation_accept(request, token):
    try:
        invitation = invitations.find_invitation(token)
    except InvitationError as error:
        return render(request, "parishes/invitation_invalid.html", {"reason": str(error)}, status=410)
    has_account = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    context = {"invitation": invitation, "has_account": has_account}
    user = request.user
    if user.is_authenticated and user.email.lower() != invitation.email:
        return render(request, "parishes/invitation_other_person.html", context, status=403)
    if user.is_authenticated:
        if request.method == "POST":
            return _accept(request, invitation, user)
        return render(request, "parishes/invitation_accept.html", context)
    if has_account:
        return render(request, "parishes/invitation_sign_in.html", context)
    form = NewPersonForm(*form_data(request), email=invitation.email, initial={"name": invitation.name})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept_invitation_as_new_person(
                invitation=invitation, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except InvitationError as error:
            return render(request, "parishes/invitation_invalid.html", {"reason": str(error)}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return _welcome(request, invitation)
    return render(request, "parishes/invitation_accept.html", {**context, "form": form})


def _accept(request, invitation, user):
    try:
        invitations.accept_invitation(invitation=invitation, user=user)
    except InvitationError as error:
        return render(request, "parishes/invitation_invalid.html", {"reason": str(error)}, status=410)
    return _welcome(request, invitation)


def _welcome(request, invitation):
    messages.success(request, f"You are now {invitation.get_role_display().lower()} of {invitation.place}.")
    return redirect(invitation.place)


def _withdraw(request, invitation):
    try:
        invitations.withdraw_invitation(acting_user=request.user, invitation=invitation)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
