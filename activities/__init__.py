"""Building-block activities: every piece of I/O a journey does happens in one of these."""
