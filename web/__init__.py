"""The citizen's web service: server-rendered pages over the same services as the JSON API."""
