"""Test support: real servers the suite starts (PostgreSQL, SMTP, the stack's processes)."""
