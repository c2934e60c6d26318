"""What only `tokku dev` and the tests use: the dev server, the SMTP sink, demo data."""
