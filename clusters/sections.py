"""Sections of a cluster's pages that higher apps add to its sub-navigation (templates/clusters/
includes/header.html), so that clusters never imports them: each app appends
(section, label, url_name) from its AppConfig.ready(), and its pages include the header with that
section to mark it as current. The URL is reversed with the cluster's slug alone."""

# (section, label, url_name), e.g. ("services", "Services", "services:cluster"), in the order the
# navigation shows them, after the clusters' own sections and before the history.
cluster_sections: list[tuple[str, str, str]] = []
