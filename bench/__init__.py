"""`make bench`: every page type measured against the national data, served the way production serves it.

bench.run drives it; the modules it runs inside Django (prepare, pdfs, reminders, and the settings,
urls, middleware and bare view that gunicorn serves) import Django, the others (stats, explain,
budgets, client, report) do not. See bench/README.md.
"""
