from django.apps import apps
from django.core.management import call_command

from clusters.models import Cluster, ClusterReport, Decision, Position
from parishes.models import Area, Council, CouncilRole


def counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "parishes"}
    }


def test_the_demo_builds_every_role_and_twice_changes_nothing(db, capsys):
    call_command("seed_demo", "--password", "demo-password-1")
    output = capsys.readouterr().out
    assert "clerk@kirkby-stephen.example" in output and "County officer" in output
    assert "Password of every demo person: demo-password-1" in output
    assert set(Area.objects.values_list("name", flat=True)) == {"Cumbria", "Oxfordshire"}
    upper_eden = Council.objects.filter(area__slug="cumbria", gss_code__in=["E04002544", "E04002513"])
    assert {c.name for c in upper_eden} == {"Kirkby Stephen", "Asby"}
    assert Council.objects.filter(kind=Council.Kind.PARISH_MEETING).count() == 9
    assert set(CouncilRole.objects.values_list("kind", flat=True)) == set(CouncilRole.Kind.values)
    upper_eden = Cluster.objects.get(name="Upper Eden")
    assert upper_eden.leadership_model == Cluster.LeadershipModel.ROTATING_CHAIR
    assert upper_eden.memberships.filter(status="member").count() == 17
    assert set(Decision.objects.values_list("status", flat=True)) == set(Decision.Status.values)
    assert Decision.objects.filter(corrects__isnull=False).exists()
    assert ClusterReport.objects.count() == Cluster.objects.count() == 8  # rendered after commit
    # Howgate's chair's term has run out: the cluster has no chair, for a member council to fill.
    howgate = Cluster.objects.get(name="Howgate")
    assert not Position.objects.current().filter(cluster=howgate, kind__in=["chair", "coordinator"]).exists()
    assert Position.objects.current().filter(cluster=upper_eden, kind="chair").exists()
    first = counts()
    call_command("seed_demo")
    assert counts() == first
