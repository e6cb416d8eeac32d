"""The clusters' panels on parishes' pages (registered in ClustersConfig.ready)."""
