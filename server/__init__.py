"""The composition root: the one ASGI app that assembles the JSON API and the people's pages."""
