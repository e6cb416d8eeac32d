"""{% registered_cluster_sections cluster as sections %}: the sections higher apps registered in
clusters.sections, as (section, label, url) for the cluster's sub-navigation."""

from django import template
from django.urls import reverse

from ..sections import cluster_sections

register = template.Library()


@register.simple_tag
def registered_cluster_sections(cluster) -> list[tuple[str, str, str]]:
    return [
        (section, label, reverse(url_name, args=[cluster.slug]))
        for section, label, url_name in cluster_sections
    ]
