"""The coordinator console: a Flet web app mounted at /console (server/console/app.py)."""
