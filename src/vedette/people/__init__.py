"""Organisations (tenants), people, trips and exposure."""
