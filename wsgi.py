"""WSGI entry point for production servers: ``gunicorn wsgi:app``."""

from kb import create_app

app = create_app()
