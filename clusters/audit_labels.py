"""How the cluster's audit records read: the keys clusters' services write (`audit.record(…)` in
membership, leadership, documents, objectives, decisions and reports), registered with parishes'
audit_display from ClustersConfig.ready()."""

from django.utils.text import capfirst

from parishes.audit_display import describe

from .membership import CLUSTER_FIELDS
from .models import Cluster, Objective
from .objectives import EDITABLE_FIELDS as OBJECTIVE_FIELDS
from .reports import financial_year_label


def register() -> None:
    describe(
        labels={
            # cluster.updated and objective.edited store the model's own field names
            **{f: capfirst(Cluster._meta.get_field(f).verbose_name) for f in CLUSTER_FIELDS},
            **{f: capfirst(Objective._meta.get_field(f).verbose_name) for f in OBJECTIVE_FIELDS},
            "ratification_threshold": "Decisions pass with the support of",
            "rota_term_months": "Months each council holds the rotating chair",
            "review_every_months": "Review every (months)",
            "next_review_on": "Next review",
            "next review": "Next review",
            "lead": "Lead council",
            "position": "Position",
            "from": "Term starts",
            "to": "Term ends",
            "chosen_at": "Chosen by",
            "cause": "Why it ended",
            "order": "Rota order",
            "months": "Months each",
            "content": "Content",
            "review_on": "Review date",
            "minute_ref": "Minute reference",
            "resolved_on": "Date of the resolution",
            "owner": "Owner council",
            "due": "Due date",
            "number": "Decision number",
            "method": "Decided by",
            "threshold": "Passes with the support of",
            "corrects": "Corrects decision",
            "year": "Financial year",
            "resolution_ref": "Resolution reference",
            "decisions_withdrawn": "Open decisions withdrawn",
            "positions_ended": "Positions ended",
            "invitations_withdrawn": "Invitations withdrawn",
        },
        values={
            "status": dict(Cluster.Status.choices),
            "formality": dict(Cluster.Formality.choices),
            "leadership_model": dict(Cluster.LeadershipModel.choices),
            "financial_model": dict(Cluster.FinancialModel.choices),
            "ratification_threshold": dict(Cluster.Threshold.choices),
            "year": lambda year: financial_year_label(int(year)),
        },
        kinds={
            "cluster": "Cluster details",
            "membership": "Membership",
            "position": "Officers",
            "rota": "Officers",
            "document": "Documents",
            "objective": "Objectives",
            "decision": "Decisions",
            "report": "Annual reports",
        },
        hidden={"report"},
    )
