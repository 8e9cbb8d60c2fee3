"""What the routes do, apart from HTTP: each route calls one of these."""
