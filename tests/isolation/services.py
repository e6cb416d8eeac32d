"""Object-scoped URLs of services: name → kwargs of an object of the cluster Eden Valley or of
council A or B (area North), which neither the clerk of council C (in another cluster) nor anyone of
area South may reach. Each builds what it needs from the cast (tests/conftest.py)."""

OBJECT_SCOPED: dict = {}
