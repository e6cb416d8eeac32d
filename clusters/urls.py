from django.urls import path

from .views import dashboard, decisions, documents, leadership, membership, objectives, overview, reports

app_name = "clusters"

C = "clusters/<slug:slug>/"
D = "areas/<slug:area_slug>/dashboard/"

urlpatterns = [
    path("clusters/", overview.cluster_list, name="list"),
    path("clusters/start/", overview.cluster_start, name="start"),
    path(C, overview.overview, name="overview"),
    path(C + "edit/", overview.cluster_edit, name="edit"),
    path(C + "status/", overview.cluster_status, name="status"),
    path(C + "history/", overview.history, name="history"),
    # Membership
    path(C + "members/", membership.members, name="members"),
    path(C + "members/invite/", membership.invite, name="invite"),
    path(C + "members/<int:membership_id>/withdraw/", membership.withdraw, name="membership_withdraw"),
    path(C + "members/<int:membership_id>/leave/", membership.leave, name="membership_leave"),
    path(
        "councils/<int:council_id>/cluster-invitations/<int:membership_id>/",
        membership.answer,
        name="invitation_answer",
    ),
    path(C + "invitation/", membership.invitation, name="invitation"),
    # Leadership
    path(C + "officers/", leadership.officers, name="officers"),
    path(C + "officers/appoint/", leadership.appoint, name="appoint"),
    path(C + "officers/<int:position_id>/end/", leadership.end, name="position_end"),
    path(C + "rota/", leadership.rota, name="rota"),
    # Governance documents
    path(C + "documents/", documents.document_list, name="documents"),
    path(C + "documents/new/", documents.document_new, name="document_new"),
    path(C + "documents/<int:document_id>/", documents.document_detail, name="document"),
    path(C + "documents/<int:document_id>/review/", documents.document_review, name="document_review"),
    path(C + "documents/<int:document_id>/versions/new/", documents.version_new, name="version_new"),
    path(
        C + "documents/<int:document_id>/versions/<int:version_id>/file/",
        documents.version_file,
        name="version_file",
    ),
    path(
        C + "documents/<int:document_id>/versions/<int:version_id>/adopt/",
        documents.version_adopt,
        name="version_adopt",
    ),
    # Decisions
    path(C + "decisions/", decisions.register, name="decisions"),
    path(C + "decisions/export.csv", decisions.register_csv, name="decisions_csv"),
    path(C + "decisions/propose/", decisions.propose, name="decision_propose"),
    path(C + "decisions/<int:number>/", decisions.detail, name="decision"),
    path(C + "decisions/<int:number>/decide/", decisions.decide, name="decision_decide"),
    path(C + "decisions/<int:number>/vote/", decisions.vote, name="decision_vote"),
    path(C + "decisions/<int:number>/withdraw/", decisions.withdraw, name="decision_withdraw"),
    path(C + "decisions/<int:number>/correct/", decisions.correct, name="decision_correct"),
    path(
        C + "decisions/<int:number>/attachments/<int:attachment_id>/",
        decisions.attachment,
        name="decision_attachment",
    ),
    # Objectives
    path(C + "objectives/", objectives.objective_list, name="objectives"),
    path(C + "objectives/new/", objectives.objective_new, name="objective_new"),
    path(C + "objectives/<int:objective_id>/", objectives.objective_detail, name="objective"),
    path(C + "objectives/<int:objective_id>/edit/", objectives.objective_edit, name="objective_edit"),
    path(C + "objectives/<int:objective_id>/update/", objectives.objective_update, name="objective_update"),
    # The area dashboard's lists (the dashboard itself is parishes:area_dashboard)
    path(D + "councils/", dashboard.councils, name="dashboard_councils"),
    path(D + "councils.csv", dashboard.councils_csv, name="dashboard_councils_csv"),
    path(D + "clusters/", dashboard.cluster_list, name="dashboard_clusters"),
    path(D + "clusters.csv", dashboard.cluster_list_csv, name="dashboard_clusters_csv"),
    path(D + "decisions/", dashboard.decision_list, name="dashboard_decisions"),
    path(D + "decisions.csv", dashboard.decision_list_csv, name="dashboard_decisions_csv"),
    path(D + "objectives/", dashboard.objective_list, name="dashboard_objectives"),
    path(D + "objectives.csv", dashboard.objective_list_csv, name="dashboard_objectives_csv"),
    path(D + "charts/<slug:name>.svg", dashboard.chart, name="dashboard_chart"),
    # The annual report
    path(C + "reports/", reports.report_list, name="reports"),
    path(C + "reports/<int:report_id>/", reports.report_detail, name="report"),
    path(C + "reports/<int:report_id>/download/", reports.report_download, name="report_download"),
]
