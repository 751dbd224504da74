"""Services: each takes a SQLAlchemy Session (keyword-only) and returns plain views."""
